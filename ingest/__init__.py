"""Ingest side of the archive: media, transcription, catalogue storage and jobs.

Nothing in this package imports Flask; the portal builds on it, never the reverse.
"""
