"""The index-writer role in one process: which queue carries index updates, and what they do.

Real SQLite queues, catalogue and Whoosh index; messages are taken from the
queue and executed one by one, as a consumer would, so the order is ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from core.catalogue import open_catalogue
from core.catalogue.queries import get_session
from core.catalogue.schema import Session
from core.catalogue.transcripts import store_transcript
from core.errors import ConfigError
from core.settings import Settings, load_settings
from index.results import SearchRequest
from index.search import Searcher
from index.store import current_generation
from ingest.pipeline import create_ingest_job, run_job
from tests.portal.builders import LINES, SLUG, segments_from
from tests.support import media_factory
from tests.support.waiting import job_row
from worker.tasks import Tasks, build_tasks


def queue_mode(settings: Settings) -> Settings:
    return replace(settings, index_writer="queue")


def drain(huey) -> int:
    """Execute every message waiting in a queue, as its consumer would; return how many."""
    done = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        done += 1
    return done


def pending(huey) -> list[tuple[str, object]]:
    return sorted((type(t).__name__, t.args[0]) for t in huey.pending())


def generation(settings: Settings) -> int:
    gen = current_generation(settings.index_dir)
    return int(gen.name.split("-")[1]) if gen else 0


def hits(settings: Settings, words: str) -> set[str]:
    with Searcher(settings.index_dir) as searcher:
        found = searcher.search(SearchRequest(q=words, include_unpublished=True))
    return {hit.session_slug for hit in found.hits}


def queued_import(settings: Settings, catalogue, folder: Path, slug: str, word: str) -> int:
    """Create an ingest job that imports a one-cue VTT saying `word`; return its id."""
    media = media_factory.tone_video(folder / f"{slug}.mp4", seconds=1, size="160x120")
    vtt = folder / f"{slug}.vtt"
    vtt.write_text(f"WEBVTT\n\n00:00:00.000 --> 00:00:00.900\n{word} dit.\n")
    return create_ingest_job(
        catalogue, settings, media, session_slug=slug, transcript_file=vtt, force=True
    )


def correct_without_indexing(catalogue, text: str) -> None:
    """Store a new transcript version of SLUG whose first line says `text`, index untouched."""
    lines = list(LINES)
    start, end, speaker, _ = lines[0]
    lines[0] = (start, end, speaker, text)
    with catalogue.session() as db:
        store_transcript(db, get_session(db, SLUG), segments_from(lines), language="fr",
                         model="hand-written", source="edit", author="test")  # fmt: skip


@pytest.fixture
def queued(fresh_archive) -> Iterator[Tasks]:
    """Tasks of an archive whose index is written by the index writer only (SQLite queues)."""
    settings = queue_mode(fresh_archive.settings)
    tasks = build_tasks(settings, open_catalogue(settings))
    yield tasks
    tasks.context.catalogue.dispose()


def test_an_unknown_index_writer_is_refused_by_its_variable_name(tmp_path):
    settings = load_settings(
        test_config={"ARCHIVE_HOME": str(tmp_path / "home"), "ARCHIVE_INDEX_WRITER": "remote"}
    )
    with pytest.raises(ConfigError, match="ARCHIVE_INDEX_WRITER is 'remote'.*'inline'.*'queue'"):
        build_tasks(settings, immediate=True)


def test_an_ingest_in_queue_mode_leaves_the_index_to_the_writer(queued, tmp_path):
    settings, catalogue = queued.context.settings, queued.context.catalogue
    served, files = generation(settings), sorted(p.name for p in settings.index_dir.iterdir())
    job_id = queued_import(settings, catalogue, tmp_path, SLUG, "Motfileattente")
    queued.run_ingest(job_id)
    assert drain(queued.huey) == 1  # what an ingest worker does

    job = job_row(catalogue, job_id)
    # Done for the catalogue, but "updating the search" until the writer has indexed it.
    assert (job.state, job.step, job.steps_done["index"]["indexed"]) == ("done", "index", False)
    assert sorted(p.name for p in settings.index_dir.iterdir()) == files  # index not opened
    assert hits(settings, "motfileattente") == set()
    assert pending(queued.index_queue) == [("reindex_session", SLUG)]
    assert pending(queued.huey) == []

    assert drain(queued.index_queue) == 1  # what `archive worker --index-writer` does
    job = job_row(catalogue, job_id)
    assert (job.step, job.steps_done["index"]["indexed"]) == ("done", True)
    assert hits(settings, "motfileattente") == {SLUG}
    assert generation(settings) == served + 1


def test_reindex_messages_for_one_session_coalesce_and_keep_the_last_edit(fresh_archive):
    settings = fresh_archive.settings  # inline: the one queue carries the reindexing
    catalogue = open_catalogue(settings)
    tasks = build_tasks(settings, catalogue)
    tasks.huey.flush()
    served = generation(settings)
    for n in range(3):  # three edits in a row, each asking for a reindex
        correct_without_indexing(catalogue, f"Correctionnumero{n}")
        tasks.reindex_session(SLUG)
    assert drain(tasks.huey) == 3
    assert generation(settings) == served + 1  # one commit, not three
    assert hits(settings, "correctionnumero2") == {SLUG}
    assert hits(settings, "correctionnumero0") == set()
    tasks.reindex_session(SLUG)  # reindexing again is harmless
    drain(tasks.huey)
    assert hits(settings, "correctionnumero2") == {SLUG}
    catalogue.dispose()


def test_lost_index_updates_are_sent_again_by_recovery(queued, tmp_path):
    settings, catalogue = queued.context.settings, queued.context.catalogue
    with catalogue.session() as db:
        other = db.scalar(select(Session.slug).where(Session.slug != SLUG).limit(1))
    marked = queued_import(settings, catalogue, tmp_path, SLUG, "Motperdu")
    queued.run_ingest(marked)
    drain(queued.huey)
    queued.index_queue.flush()  # the message is lost (a Redis restart)
    unmarked = queued_import(settings, catalogue, tmp_path, other, "Motjamaisenvoye")
    run_job(catalogue, settings, unmarked)  # a queue-mode worker that died before marking it
    assert job_row(catalogue, unmarked).step == "done"

    assert sorted(queued.recover_index()) == [f"reindex of {other}", f"reindex of {SLUG}"]
    assert queued.recover_index() == []  # their messages are waiting now
    drain(queued.index_queue)
    assert hits(settings, "motperdu") == {SLUG} and hits(settings, "motjamaisenvoye") == {other}
    for job_id in (marked, unmarked):
        assert job_row(catalogue, job_id).steps_done["index"]["indexed"] is True
    assert queued.recover_index() == []


def test_a_reindex_sent_to_the_job_queue_is_forwarded_to_the_writer(queued):
    settings = queued.context.settings
    served = generation(settings)
    inline = build_tasks(replace(settings, index_writer="inline"), queued.context.catalogue)
    inline.reindex_session(SLUG)  # a portal not yet switched to `queue`
    assert pending(queued.huey) == [("reindex_session", SLUG)]
    drain(queued.huey)  # an ingest worker takes it ...
    assert generation(settings) == served  # ... and does not write the index
    assert pending(queued.index_queue) == [("reindex_session", SLUG)]
    drain(queued.index_queue)
    assert generation(settings) == served + 1


def test_the_index_writer_is_refused_when_workers_write_the_index(fresh_archive):
    home = str(fresh_archive.settings.home)
    result = CliRunner().invoke(main, ["--home", home, "worker", "--index-writer"])
    assert result.exit_code == 1, result.output
    assert "ARCHIVE_INDEX_WRITER is 'inline'" in result.output
    assert "ARCHIVE_INDEX_WRITER=queue" in result.output
    result = CliRunner().invoke(
        main, ["--home", home, "worker", "--index-writer", "--workers", "2"]
    )
    assert result.exit_code == 2 and "one thread" in result.output


def test_a_foreground_cli_ingest_in_queue_mode_leaves_the_index_to_the_writer(
    fresh_archive, tmp_path
):
    settings = queue_mode(fresh_archive.settings)
    files = sorted(p.name for p in settings.index_dir.iterdir())
    media = media_factory.tone_video(tmp_path / "talk.mp4", seconds=1, size="160x120")
    vtt = tmp_path / "talk.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nMotdelaligne dit.\n")
    result = CliRunner().invoke(
        main,
        ["--home", str(settings.home), "ingest", str(media), "--session", SLUG,
         "--transcript", str(vtt), "--force"],
        env={"ARCHIVE_INDEX_WRITER": "queue"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "--index-writer" in result.output  # told who will make it searchable
    # A host in queue mode may hold no index (or a stale copy): it must not write one.
    assert sorted(p.name for p in settings.index_dir.iterdir()) == files
    tasks = build_tasks(settings, open_catalogue(settings))
    assert pending(tasks.index_queue) == [("reindex_session", SLUG)]
    drain(tasks.index_queue)
    assert hits(settings, "motdelaligne") == {SLUG}
    tasks.context.catalogue.dispose()


def test_a_manifest_import_in_queue_mode_sends_renamed_speakers_to_the_writer(fresh_archive):
    from tests.conftest import SEED_MANIFEST

    settings = queue_mode(fresh_archive.settings)
    files = sorted(p.name for p in settings.index_dir.iterdir())
    result = CliRunner().invoke(
        main,
        ["--home", str(settings.home), "import", str(SEED_MANIFEST)],
        env={"ARCHIVE_INDEX_WRITER": "queue"},
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in settings.index_dir.iterdir()) == files
    tasks = build_tasks(settings, open_catalogue(settings))
    assert ("reindex_session", SLUG) in pending(tasks.index_queue)
    tasks.context.catalogue.dispose()
