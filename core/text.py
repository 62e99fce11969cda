"""Text rules shared by every layer: folding (slugs, citation keys), and words back to text.

Accents, case and ligatures are folded here once, so a slug, a citation key and a
transcript match agree on what "the same word" is. The search index folds with
Whoosh's own character table instead (index/analysis.py): its terms are on disk,
so changing that rule would need a reindex.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from core.contracts import Word

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lowercase text and drop accents and ligatures, so "Œuvre, été" compares as "oeuvre, ete"."""
    text = text.lower().translate(_LIGATURES)
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def fold_words(text: str) -> str:
    """Fold text and turn punctuation into single spaces, to compare phrases word by word."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


def ascii_key(text: str) -> str:
    """Return the ASCII letters and digits of the folded text ("Ménard" -> "menard") for keys."""
    return "".join(ch for ch in fold(text) if ch.isascii() and ch.isalnum())


def slugify(text: str, max_length: int = 80) -> str:
    """Fold accents and punctuation into a URL slug ('Séance n°4' -> 'seance-n-4')."""
    # Drop only the accents; any other symbol ("°", "—") separates words rather than vanishing.
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].strip("-") or "session"


_GLUED_PREFIXES = frozenset("'’-,.;:!?)…")


def join_words(words: Sequence[Word]) -> str:
    """Rebuild text from words, gluing the pieces Whisper splits off ("l" + "'accueil").

    Used wherever a segment is cut at a word (a change of speaker at ingest, a
    split in the workspace), so both rebuild the same text.
    """
    if any(w.text[:1].isspace() for w in words):  # Whisper's own spacing, when kept
        return "".join(w.text for w in words).strip()
    text = ""
    for word in words:
        piece = word.text.strip()
        glued = piece[:1] in _GLUED_PREFIXES or not any(ch.isalnum() for ch in piece)
        text += piece if glued or not text else " " + piece
    return text
