"""Text analysis: what turns transcript text and user queries into index terms.

French order matters: lowercase -> stop words -> accent folding -> stemming, so
that `seance` finds "séance" (stemming accented words first would give stems an
unaccented query can never produce). English sessions get the English chain.
"""

from __future__ import annotations

import re
from functools import cache

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

# Whoosh's accent map leaves ligatures alone; French writes both "œuvre" and "oeuvre".
# Not core.text.fold: this table is what indexed terms were folded with (ß is "s"
# here, "ss" there), so queries must keep using it until a reindex changes both.
FOLD_MAP: dict[int, str] = {**accent_map, ord("œ"): "oe", ord("æ"): "ae", ord("Œ"): "oe"}

# Apostrophes (straight or typographic) are not word characters, so elided forms
# split: "l'urbanisme" -> "l" (a stop word) + "urbanisme".
TOKEN_PATTERN = r"\w+"
_WORD_RE = re.compile(TOKEN_PATTERN)


def fold(text: str) -> str:
    """Return `text` lowercased with accents and ligatures folded."""
    return text.lower().translate(FOLD_MAP)


def plain_words(text: str) -> list[str]:
    """Split `text` into folded words, without stop words or stemming."""
    return _WORD_RE.findall(fold(text))


# Frequent function words missing from Whoosh's (Snowball) French list.
_EXTRA_STOP_WORDS = {"fr": {"les", "cet", "cette", "ça", "dont", "où", "si", "ni", "car", "donc"}}


def _stop_words(lang: str) -> frozenset[str]:
    # Stop words are removed before folding, so both spellings must be listed:
    # a user typing "ete" or "a" means the same stop word as "été" or "à".
    words = set(stopwords_for_language(lang)) | _EXTRA_STOP_WORDS.get(lang, set())
    return frozenset(words | {fold(w) for w in words})


@cache
def analyzer_for(lang: str) -> Analyzer:
    """Return the (shared) analyser for a session language; unknown ones get French."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=_stop_words(lang), minsize=1)
        | CharsetFilter(FOLD_MAP)
        | StemFilter(lang=lang, cachesize=100_000)
    )


@cache
def plain_analyzer() -> Analyzer:
    """Return the analyser of the unstemmed field used by prefix and wildcard queries."""
    stops = frozenset().union(*(_stop_words(lang) for lang in LANGUAGES))
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=stops, minsize=1)
        | CharsetFilter(FOLD_MAP)
    )


def terms(text: str, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return the index terms `text` produces in language `lang`, in order."""
    return [t.text for t in analyzer_for(lang)(text)]


def unstemmed(text: str, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return the folded, stop-word-free words of `text` before stemming."""
    return [t.text for t in analyzer_for(lang)(text, no_morph=True)]


def stem(word: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return the index term of one already folded word (no stop-word removal)."""
    stemmer = analyzer_for(lang).items[-1]
    return stemmer._stem(word)


def token_spans(text: str, lang: str) -> list[tuple[str, str, int, int]]:
    """Return (term, unstemmed word, start_char, end_char) for each term of `text`."""
    analyzer = analyzer_for(lang)
    words = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, no_morph=True)]
    stemmed = [t.text for t in analyzer(text)]
    return [(term, w, a, b) for term, (w, a, b) in zip(stemmed, words, strict=True)]


def language_of(lang: str | None) -> str:
    """Return the analysed language for a session language code."""
    code = (lang or "").lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE
