"""`python -m cli …` is the `archive` command."""

from cli import main

main(prog_name="archive")
