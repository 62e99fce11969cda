"""Where the portal's templates are, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """Return the templates folder: shipped inside the package, else the checkout's top level."""
    shipped = PACKAGE_DIR / "templates"
    return shipped if shipped.is_dir() else PACKAGE_DIR.parent / "templates"
