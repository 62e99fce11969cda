"""`archive serve`: the portal on Flask's development server."""

from __future__ import annotations

import click

from cli.context import Context, pass_archive


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug", is_flag=True)
@pass_archive
def serve_command(ctx: Context, host: str, port: int, debug: bool) -> None:
    """Serve the portal (development server; use a WSGI server in production)."""
    import os

    from portal import create_app
    from portal.wsgi import QueryRequestHandler

    os.environ["ARCHIVE_HOME"] = str(ctx.settings.home)  # keeps the usual config layering
    app = create_app()
    # The handler reads raw UTF-8 query strings (curl '…?q=é') as PEP 3333 says.
    app.run(
        host=host,
        port=port,
        debug=debug,
        use_reloader=False,
        request_handler=QueryRequestHandler,
    )
