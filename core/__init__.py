"""The core of the archive: the catalogue and the domain every other package builds on.

Models, database and migrations, queries, transcripts and their versions,
manifests, settings, errors, timecodes. Nothing here imports Flask, Whoosh,
PyAV or faster-whisper: `ingest/`, `index/`, the worker, the CLI and `portal/`
depend on this package, never the other way.
"""
