"""Concordance rows and their files: CSV (UTF-8 with BOM, RFC 4180) and JSON, streamed.

The portal's download and `archive search --all` write the same rows from the
same hits (`index.concordance`), so a researcher gets one file whichever they use.
Nothing here needs Flask.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from core.timecodes import format_short_clock
from index.results import Hit, SearchLimits, SearchRequest
from portal.links import absolute, session_path
from portal.services.params import int_param
from portal.services.search import SearchForm, marked_terms

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
COLUMNS = (
    "session",
    "session_title",
    "date",
    "speaker",
    "affiliation",
    "start_s",
    "time",
    "url",
    "matched",
    "text",
)
BOM = "\ufeff"  # lets Excel and LibreOffice read the file as UTF-8 (accents intact)


def row(hit: Hit, site_url: str = "") -> dict[str, Any]:
    """Return one concordance row: where and when it was said, by whom, and the sentence."""
    path = session_path(hit.session_slug, hit.start_ms)
    return {
        "session": hit.session_slug,
        "session_title": hit.session_title,
        "date": hit.date,
        "speaker": hit.speaker_name,
        "affiliation": hit.affiliation,
        "start_s": hit.start_ms // 1000,
        "time": format_short_clock(hit.start_ms),
        "url": absolute(site_url, path) if site_url else path,
        "matched": " ".join(sorted(marked_terms(hit.snippet_html))),
        "text": hit.text,
    }


def csv_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield a CSV file (BOM, header, CRLF lines, quoted as RFC 4180 requires) in chunks."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writeheader()
    for n, item in enumerate(rows, 1):
        writer.writerow({k: "" if v is None else v for k, v in item.items()})
        if n % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield a JSON list of row objects in chunks, one row per line."""
    yield "["
    for n, item in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]\n"


def chunks(fmt: str, rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the file of `rows` in format `fmt` ("csv" or "json")."""
    return csv_chunks(rows) if fmt == "csv" else json_chunks(rows)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def base_request(
    form: SearchForm,
    limits: SearchLimits,
    published: frozenset[str] | None,
    drafts: bool = False,
) -> SearchRequest:
    """Return the search a concordance lists: the form's query and filters, no paging.

    `published` is the catalogue's published set; `drafts` (archivists, CLI) sees all.
    """
    filters: dict[str, Any] = dict(form.filters)
    if "year" in filters:
        filters["year"] = int_param(filters["year"])
    return SearchRequest(
        q=form.q,
        published=published,
        include_unpublished=drafts,
        limits=limits,
        **filters,
    )
