"""Where the portal's files that are not Python live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """Return the Jinja templates folder: the wheel's copy, else the checkout's.

    The templates live in the repository's top-level `templates/` folder, and the
    wheel ships that folder inside the package as `portal/templates` (see
    pyproject.toml). An installed portal finds that copy; a source checkout or an
    editable install imports `portal` from the repository, where the folder sits
    beside the package instead.
    """
    for folder in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        f"The portal's templates are in neither {PACKAGE_DIR / 'templates'} nor "
        f"{PACKAGE_DIR.parent / 'templates'}: reinstall the package (pip install .)."
    )
