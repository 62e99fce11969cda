"""Full-text search over transcripts (Whoosh, imported only inside this package).

Only the ingest side writes the index; the portal opens searchers.
"""
