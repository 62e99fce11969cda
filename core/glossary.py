"""A glossary per series: the names, places, organisations and terms its speakers use.

Whisper *base* misspells what it has never heard (« Néo City » for Neocity). A
series' glossary teaches it: its terms join the programme's names in the hot
words of the next ingest (`hot_words`), and the editor offers a term for a word
that sounds like it (`Suggester`). A glossary starts from the programme
(`seed_from_programme`: people, affiliations, acronyms and other proper nouns of
titles and descriptions) and grows by hand or from accepted replacements.
Terms are unique per series once folded (case, accents, punctuation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.queries import get_series
from core.catalogue.schema import GlossaryTerm, Series, Session, utcnow
from core.errors import CatalogueError
from core.text import ascii_key, fold_words

KINDS = ("person", "place", "organisation", "term")
SEEDED_BY = "programme"  # created_by of the terms seeding adds
SCHEMA_TERM_CHARS = 200  # the column's length: no setting may allow longer terms
MAX_NOTE_CHARS = 500
MAX_HEARD_AS = 10  # misspellings kept per term


class GlossaryError(CatalogueError):
    """A glossary change that cannot be made as asked.

    `reason` names the refusal ("no_series", "empty", "too_long", "kind", "exists",
    "full", "unknown") so the portal can say it in the archivist's language.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class GlossaryLimits:
    """How big a glossary may grow (settings `glossary_max_terms`, `glossary_term_chars`)."""

    max_terms: int = 500
    max_chars: int = 80

    @classmethod
    def from_settings(cls, settings) -> GlossaryLimits:
        """Read the limits from a `core.settings.Settings`."""
        return cls(
            settings.glossary_max_terms, min(settings.glossary_term_chars, SCHEMA_TERM_CHARS)
        )


@dataclass
class SeedReport:
    """What seeding added, and how many candidates it left out (known, too long, full)."""

    added: list[str] = field(default_factory=list)
    skipped: int = 0


def series_or_error(db: OrmSession, slug: str) -> Series:
    """Return the series with this slug, or refuse with a message naming it."""
    series = get_series(db, slug) if slug else None
    if series is None:
        raise GlossaryError(f"unknown series {slug!r} (see `archive sessions`)", "no_series")
    return series


def list_terms(db: OrmSession, series: Series) -> list[GlossaryTerm]:
    """Return the series' terms, people first, then places, organisations and terms."""
    terms = db.scalars(select(GlossaryTerm).where(GlossaryTerm.series_id == series.id))
    return sorted(terms, key=lambda t: (_kind_rank(t.kind), t.key))


def add_term(
    db: OrmSession,
    series: Series,
    term: str,
    *,
    kind: str = "term",
    heard_as: str | Iterable[str] = "",
    note: str = "",
    created_by: str = "",
    limits: GlossaryLimits | None = None,
) -> GlossaryTerm:
    """Add one term to the series' glossary; the caller commits.

    A term seeded from the programme that a person adds again with a new spelling
    heard becomes theirs (see hot_words); any other term already there is refused.
    """
    limits = limits or GlossaryLimits()
    term, key = _check_term(term, limits)
    if kind not in KINDS:
        raise GlossaryError(f"unknown kind {kind!r}: choose {', '.join(KINDS)}", "kind")
    existing = _find(db, series, key)
    if existing is not None:
        if created_by in ("", SEEDED_BY) or not teaches(existing, heard_as, limits):
            raise GlossaryError(f"“{term}” is already in the glossary of {series.slug}", "exists")
        # Seeded from the programme, now brought by a person with a spelling the recogniser
        # got wrong (find-and-replace's "add to the glossary"): it becomes theirs, so it
        # gets the hot-word room kept for terms added by hand (see hot_words).
        known = existing.heard_as.splitlines() if existing.heard_as else []
        heard = _variants(heard_as, existing.term, limits)
        existing.heard_as = "\n".join(_variants([*known, *heard], existing.term, limits))
        existing.created_by, existing.created_at = created_by[:200], utcnow()
        if note:
            existing.note = " ".join(note.split())[:MAX_NOTE_CHARS]
        db.flush()
        return existing
    if _count(db, series) >= limits.max_terms:
        raise GlossaryError(
            f"the glossary of {series.slug} is full ({limits.max_terms} terms): remove some, "
            "or raise ARCHIVE_GLOSSARY_MAX_TERMS",
            "full",
        )
    entry = GlossaryTerm(
        series_id=series.id,
        term=term,
        key=key,
        kind=kind,
        heard_as="\n".join(_variants(heard_as, term, limits)),
        note=" ".join(note.split())[:MAX_NOTE_CHARS],
        created_by=created_by[:200],
    )
    db.add(entry)
    db.flush()
    return entry


def teaches(
    entry: GlossaryTerm, heard_as: str | Iterable[str], limits: GlossaryLimits | None = None
) -> bool:
    """Say whether a person adding these spellings heard to an entry would teach it
    something: only a term seeded from the programme that lacks one of them.

    `add_term` then makes the term theirs; find-and-replace offers it on that ground.
    """
    if entry.created_by != SEEDED_BY:
        return False
    known = set(entry.heard_as.splitlines()) if entry.heard_as else set()
    return bool(set(_variants(heard_as, entry.term, limits or GlossaryLimits())) - known)


def remove_term(db: OrmSession, series: Series, term: str) -> GlossaryTerm:
    """Remove the term (any case or accents) from the series' glossary; the caller commits."""
    entry = _find(db, series, fold_words(term or ""))
    if entry is None:
        raise GlossaryError(f"“{term}” is not in the glossary of {series.slug}", "unknown")
    db.delete(entry)
    db.flush()
    return entry


def seed_from_programme(
    db: OrmSession,
    series: Series,
    created_by: str = SEEDED_BY,
    limits: GlossaryLimits | None = None,
) -> SeedReport:
    """Add the programme's people, affiliations and proper nouns not yet in the glossary."""
    limits = limits or GlossaryLimits()
    known = {t.key for t in list_terms(db, series)}
    report = SeedReport()
    for term, kind in programme_candidates(db, series):
        key = fold_words(term)
        if key in known or len(term) > limits.max_chars or len(known) >= limits.max_terms:
            report.skipped += 1
            continue
        db.add(
            GlossaryTerm(series_id=series.id, term=term, key=key, kind=kind, created_by=created_by)
        )
        known.add(key)
        report.added.append(term)
    db.flush()
    return report


def seed_if_empty(db: OrmSession, series: Series, limits: GlossaryLimits | None = None) -> int:
    """Seed a series whose glossary is empty (a new import); return how many terms it got."""
    if _count(db, series):
        return 0
    return len(seed_from_programme(db, series, limits=limits).added)


# An acronym (PUCA), a name with inner capitals (LKSpatialist, ParisTech) or a
# hyphenated place (Marne-la-Vallée): the proper nouns a title or description gives.
_WORD = re.compile(r"[^\W\d_][\w’'-]*[^\W_]|[^\W\d_]")
_ROMAN = re.compile(r"[IVXLCDM]+")


def programme_candidates(db: OrmSession, series: Series) -> list[tuple[str, str]]:
    """Return (term, kind) candidates from the series and its sessions, people first."""
    sessions = list(db.scalars(select(Session).where(Session.series_id == series.id)))
    people: list[tuple[str, str]] = []
    organisations: list[tuple[str, str]] = []
    texts = [series.title, series.description]
    for session in sorted(sessions, key=lambda s: (s.date is None, s.date, s.id)):
        texts += [session.title, session.description, session.place]
        for item in session.items:
            texts += [item.title, item.description]
            for appearance in item.appearances:
                people.append((appearance.person.name, "person"))
                for affiliation in (appearance.affiliation, appearance.person.affiliation):
                    if affiliation:
                        organisations.append((affiliation.strip(), "organisation"))
    nouns = [noun for text in texts for noun in proper_nouns(text or "")]
    seen: set[str] = set()
    unique = []
    for term, kind in people + organisations + nouns:
        if term and fold_words(term) not in seen:
            seen.add(fold_words(term))
            unique.append((term, kind))
    return unique


def proper_nouns(text: str) -> list[tuple[str, str]]:
    """Return the acronyms, inner-capital names and hyphenated places of a text, in order."""
    found = []
    for word in _WORD.findall(text):
        word = word.strip("'’-")
        parts = word.split("-")
        acronyms = [p for p in parts if len(p) >= 2 and p.isalpha() and p.isupper()]
        if acronyms and len(acronyms) == len(parts):
            found += [(p, "organisation") for p in acronyms if not _ROMAN.fullmatch(p)]
        elif len(parts) == 1 and sum(ch.isupper() for ch in word) >= 2 and not word.isupper():
            found.append((word, "organisation"))
        elif len(parts) > 1 and parts[0][:1].isupper() and parts[-1][:1].isupper():
            found.append((word, "place"))
    return found


# Share of the hot-word prompt kept for terms added by hand (see hot_words).
HAND_SHARE = 0.25


def hot_words(
    programme: Sequence[tuple[str, str]],
    terms: Sequence[GlossaryTerm],
    max_chars: int,
    affiliations: Mapping[str, str] | None = None,
) -> list[str]:
    """Order the recogniser's hot words, the most specific first, within `max_chars` of prompt.

    First the session's programme, each person followed by their affiliation (as
    they are introduced: measured better than all names, then all organisations);
    then the glossary's terms added by hand (often a misheard word someone
    corrected), newest first; then the seeded ones, people (with the affiliation
    `affiliations` gives them) before organisations, places and terms. The prompt
    ", ".join(words) + "." stays within `max_chars`: longer prompts made Whisper
    base skip whole turns of speech. Terms added by hand keep up to HAND_SHARE of
    it even when the programme alone would fill it: they are what an archivist
    asked the recogniser to learn.
    """
    affiliations = affiliations or {}
    rank = {"person": 0, "organisation": 1, "place": 2, "term": 3}
    by_hand = sorted(
        (t for t in terms if t.created_by != SEEDED_BY), key=lambda t: t.created_at, reverse=True
    )
    seeded = sorted(
        (t for t in terms if t.created_by == SEEDED_BY), key=lambda t: (rank.get(t.kind, 4), t.id)
    )

    def with_affiliations(chosen: Sequence[GlossaryTerm]) -> list[str]:
        return [
            word
            for term in chosen
            for word in (
                term.term,
                affiliations.get(term.term, "") if term.kind == "person" else "",
            )
        ]

    words: list[str] = []
    seen: set[str] = set()
    hand_words = [w for w in with_affiliations(by_hand) if fold_words(w)]
    reserve = min(int(max_chars * HAND_SHARE), sum(len(w) + 2 for w in hand_words))
    _fill(words, seen, [word for pair in programme for word in pair], max_chars - reserve)
    _fill(words, seen, hand_words, max_chars)
    _fill(words, seen, with_affiliations(seeded), max_chars)
    return words


def _fill(words: list[str], seen: set[str], candidates: Sequence[str], max_chars: int) -> None:
    """Append candidates in order, skipping repeats, until the next would pass max_chars."""
    length = len(", ".join(words)) + 1 if words else 0
    for word in candidates:
        key = fold_words(word)
        if not key or key in seen:
            continue
        if length + len(word) + (2 if words else 1) > max_chars:
            return
        seen.add(key)
        words.append(word)
        length += len(word) + (2 if len(words) > 1 else 1)


@dataclass(frozen=True)
class Suggestion:
    """A glossary term offered for words of a segment: `heard` as written there, `term`."""

    heard: str
    term: str


class Suggester:
    """Offer glossary terms for words that sound like them, cheaply enough for 3-hour sessions.

    Every word (and run of up to three words: « Néo City ») is looked up by its
    letters and by a rough French sound key; only doubtful words are also compared
    by edit distance of their sound keys, to terms of similar length.
    """

    def __init__(self, terms: Iterable[GlossaryTerm]) -> None:
        self.exact: dict[str, str] = {}
        self.sounds: dict[str, str] = {}
        self.by_start: dict[str, list[tuple[str, str]]] = {}
        self.near: dict[str, str | None] = {}  # sound key of a doubtful word -> closest term
        self.longest = 0  # letters of the longest spelling (plus slack for a misspelling)
        for entry in terms:
            spellings = [entry.term, *(entry.heard_as or "").splitlines()]
            surname = entry.term.split()[-1]
            if entry.kind == "person" and surname != entry.term and len(surname) >= 4:
                self._index(surname, [surname])  # « Monsieur Saulnier »
            self._index(entry.term, spellings)

    def _index(self, term: str, spellings: list[str]) -> None:
        for spelling in spellings:
            if not ascii_key(spelling):
                continue
            self.exact.setdefault(ascii_key(spelling), term)
            self.longest = max(self.longest, len(ascii_key(spelling)) + 4)
            sound = sound_key(spelling)
            self.sounds.setdefault(sound, term)
            if len(sound) >= 4:
                for letter in set(sound[:2]):  # a misheard first sound (« l'Opika »)
                    self.by_start.setdefault(letter, []).append((sound, term))

    def suggest(self, text: str, doubtful: Iterable[str] = ()) -> list[Suggestion]:
        """Return the terms to offer for a segment's text (doubtful: words said unsure)."""
        if not self.exact:
            return []
        words = [_ELISION.sub("", w) for w in text.split()]  # « l'Opika »: the name is « Opika »
        keys = [_word_key(w) for w in words]  # a span's key is its words' keys joined
        unsure = {_word_key(_ELISION.sub("", w)) for w in doubtful}
        found: list[Suggestion] = []
        i = 0
        while i < len(words):
            match = self._match(words, keys, i, unsure)
            if match is None:
                i += 1
                continue
            span, term = match
            heard = " ".join(words[i : i + span]).strip('.,;:!?«»“”()"')
            if heard and heard != term and term not in (s.term for s in found):
                found.append(Suggestion(heard, term))
            i += span
        return found

    def _match(
        self, words: list[str], keys: list[str], i: int, unsure: set[str]
    ) -> tuple[int, str] | None:
        key = ""
        for j in range(i, min(i + 3, len(words))):  # the shortest: « Solnier, de » is no name
            key += keys[j]
            if len(key) > self.longest:
                break
            if len(key) >= 3:
                term = self.exact.get(key) or self.sounds.get(sound_key(key))
                if term is not None:
                    return j - i + 1, term
            if words[j][-1:] in _CLAUSE_ENDS:
                break
        if keys[i] in unsure and len(keys[i]) >= 4:
            sound = sound_key(keys[i])
            if sound not in self.near:
                candidates = {c for letter in set(sound[:2]) for c in self.by_start.get(letter, ())}
                self.near[sound] = _closest(sound, sorted(candidates))
            if self.near[sound] is not None:
                return 1, self.near[sound]
        return None


_word_key = lru_cache(maxsize=65536)(ascii_key)


@lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """Return a rough French sound key: "Cityscoot" and "Sitiscoute" share "sitisku"."""
    key = ascii_key(text)
    for pattern, sound in _SOUNDS:
        key = pattern.sub(sound, key)
    key = re.sub(r"(.)\1+", r"\1", key)
    return re.sub(r"(?<=...)[estxd]{1,2}$", "", key)  # silent endings, never the stem


_SOUNDS = [
    (re.compile(pattern), sound)
    for pattern, sound in (
        (r"ph", "f"),
        (r"qu", "k"),
        (r"ck", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"eau|au", "o"),
        (r"ai|ei", "e"),
        (r"y", "i"),
        (r"z", "s"),
        (r"w", "v"),
        (r"x", "ks"),
        (r"(?<![cs])h", ""),
        (r"oo|ou", "u"),
    )
]


_CLAUSE_ENDS = frozenset(".,;:!?»)”")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['’](?=\w)", re.IGNORECASE)


def _closest(sound: str, candidates: Sequence[tuple[str, str]]) -> str | None:
    """Return the term whose sound key is closest, within 1 edit (2 from 5 sounds, 3 from 9)."""
    best, best_distance = None, 99
    allowed = 1 if len(sound) < 5 else 2 if len(sound) < 9 else 3
    for other, term in candidates:
        if abs(len(other) - len(sound)) > allowed:
            continue
        distance = _edit_distance(sound, other)
        if distance <= allowed and distance < best_distance:
            best, best_distance = term, distance
    return best


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _check_term(term: str, limits: GlossaryLimits) -> tuple[str, str]:
    term = " ".join((term or "").split())
    key = fold_words(term)
    if not key:
        raise GlossaryError("type the term to add (a name, place, organisation or word)", "empty")
    if len(term) > limits.max_chars:
        raise GlossaryError(
            f"a glossary term is at most {limits.max_chars} characters (this one has {len(term)})",
            "too_long",
        )
    return term, key[:SCHEMA_TERM_CHARS]


def _variants(heard_as: str | Iterable[str], term: str, limits: GlossaryLimits) -> list[str]:
    raw = heard_as.replace(",", "\n").splitlines() if isinstance(heard_as, str) else heard_as
    variants = []
    for variant in raw:
        variant = " ".join(variant.split())[: limits.max_chars]
        if variant and variant != term and variant not in variants:
            variants.append(variant)
    return variants[:MAX_HEARD_AS]


def _find(db: OrmSession, series: Series, key: str) -> GlossaryTerm | None:
    return db.scalar(
        select(GlossaryTerm).where(GlossaryTerm.series_id == series.id, GlossaryTerm.key == key)
    )


def _count(db: OrmSession, series: Series) -> int:
    return db.scalar(
        select(func.count()).select_from(GlossaryTerm).where(GlossaryTerm.series_id == series.id)
    )


def _kind_rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)
