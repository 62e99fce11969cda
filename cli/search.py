"""`archive search` and `archive reindex`: what was said, from the command line."""

from __future__ import annotations

import json
import time

import click

from cli.context import Context, fail, pass_archive
from core.timecodes import format_clock
from portal.services.params import text_param
from portal.shapes import search_json
from portal.wording import notice_text

# The portal's sentence (templates/search/page.html), with the limit the CLI can state.
LONG_QUERY_NOTICE = (
    "Your query was very long; only its beginning (the first {limit} characters) was searched."
)


@click.command("search")
@click.argument("query")
@click.option("--session", "session_slug", help="Only this session.")
@click.option("--speaker", "speaker_slug", help="Only this speaker (slug).")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance")
@click.option("--drafts", is_flag=True, help="Include unpublished sessions.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract.")
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Print every passage (a concordance), oldest session first, as --format.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    help="With --all: CSV (UTF-8 with BOM) or a JSON list of rows. Default: csv.",
)
@pass_archive
def search_command(
    ctx: Context,
    query: str,
    session_slug: str | None,
    speaker_slug: str | None,
    page: int,
    sort: str,
    drafts: bool,
    as_json: bool,
    every: bool,
    fmt: str | None,
) -> None:
    """Search what was said; each hit is timed to its first matched word.

    A query starting with "-" (a word to exclude) goes after "--", which
    ends the options:

    \b
        archive search -- "-pollution capteurs"

    --all lists every passage in archive order (session date, then time):

    \b
        archive search expérimentation --all --format csv > concordance.csv
    """
    from core.catalogue.queries import published_slugs
    from index.errors import SearchIndexError
    from index.results import SearchLimits
    from index.search import SearchRequest, search

    published = None
    if not drafts:  # the catalogue says what is public, not the index's snapshot
        with ctx.catalogue.session() as db:
            published = published_slugs(db)
    limits = SearchLimits.from_settings(ctx.settings)
    # Cut as the portal cuts (same setting, same function): past it, parsing costs seconds.
    query, truncated = text_param(query, limits.max_query_chars)
    if truncated:
        click.echo(LONG_QUERY_NOTICE.format(limit=limits.max_query_chars), err=True)
    if fmt and not every:
        fail("--format goes with --all (use --json for one page of results)")
    if every:
        _print_concordance(ctx, query, session_slug, speaker_slug, published, drafts, fmt)
        return
    try:
        results = search(
            ctx.settings.index_dir,
            SearchRequest(
                q=query,
                session=session_slug,
                speaker=speaker_slug,
                page=page,
                sort=sort,
                include_unpublished=drafts,
                published=published,
                limits=limits,
            ),
        )
    except SearchIndexError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(search_json(results), ensure_ascii=False, indent=2))
        return
    if results.notice:
        click.echo(notice_text(results.notice), err=True)  # English: no app, no locale
    click.echo(f"{results.total} hit(s)")
    for hit in results.hits:
        who = hit.speaker_name or "unknown speaker"
        click.echo(f"{hit.session_slug}  {format_clock(hit.start_ms)}  {who}\n    {hit.text}")
    if not results.total and results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}?")


def _print_concordance(
    ctx: Context,
    query: str,
    session_slug: str | None,
    speaker_slug: str | None,
    published: frozenset[str] | None,
    drafts: bool,
    fmt: str | None,
) -> None:
    """Write every passage to stdout as UTF-8 bytes, whatever the terminal's encoding."""
    from index.concordance import concordance, plan
    from index.errors import SearchIndexError
    from index.results import SearchLimits
    from index.search import Searcher
    from portal.services import concordance as rows
    from portal.services.search import SearchForm

    filters = {k: v for k, v in (("session", session_slug), ("speaker", speaker_slug)) if v}
    limits = SearchLimits.from_settings(ctx.settings)
    base = rows.base_request(SearchForm(q=query, filters=filters), limits, published, drafts)
    max_rows = ctx.settings.concordance_max_rows
    try:
        with Searcher(ctx.settings.index_dir) as searcher:
            known = plan(searcher.search, base, max_rows)
            if known.truncated:
                click.echo(
                    f"{known.total} passages match; only the first {known.rows} are listed "
                    "(the concordance_max_rows setting).",
                    err=True,
                )
            hits = concordance(searcher.search, base, known)
            for chunk in rows.chunks(fmt or "csv", (rows.row(hit) for hit in hits)):
                click.echo(chunk.encode("utf-8"), nl=False)  # bytes: UTF-8 whatever the locale
    except SearchIndexError as exc:
        fail(str(exc))


@click.command("reindex")
@pass_archive
def reindex_command(ctx: Context) -> None:
    """Rebuild the search index from the catalogue (the old one serves meanwhile)."""
    from index.errors import SearchIndexError
    from index.service import rebuild_index

    started = time.monotonic()
    try:
        count = rebuild_index(ctx.catalogue, ctx.settings.index_dir)
    except SearchIndexError as exc:
        fail(str(exc))
    click.echo(f"Indexed {count} segments in {time.monotonic() - started:.1f} s.")
