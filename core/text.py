"""Folding of text the archive compares or turns into identifiers (slugs).

Accents, case and ligatures are folded here once, so a slug, a match and a
lookup agree on what "the same word" is.
"""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def slugify(text: str, max_length: int = 80) -> str:
    """Fold accents and punctuation into a URL slug ('Séance n°4' -> 'seance-n-4')."""
    text = text.lower().translate(_LIGATURES)
    # Drop only the accents; any other symbol ("°", "—") separates words rather than vanishing.
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug[:max_length].strip("-") or "session"
