"""`python -m portal …` is the `archive` command."""

from portal.cli import main

main(prog_name="archive")
