"""Search what the catalogue says about published sessions: titles, places, programmes, people.

Speech is searched in the index; a session's title, description, place, series
title and programme item titles, and the names and affiliations of the people
who appear in it, are searched here, over published sessions only. Words are
analysed as the index analyses speech (`index.analysis`: case, accents, stop
words, French or English stems), so `ville`, `Villes` and `"ville intelligente"`
mean the same here as in the transcripts. The analysed metadata is cached per
catalogue state: it is rebuilt only after a published session changed.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from core.catalogue.queries import is_public
from core.catalogue.schema import Appearance, ProgrammeItem, Session
from index.analysis import LANGUAGES, language_of, terms

MAX_SHOWN = 20  # matches listed per kind (the counts are exact)
# Field filters (speaker:x, date:[a TO b]) restrict passages; metadata ignores them.
_FIELD_RE = re.compile(r'-?\w+:(?:\[[^\]]*\]?|"[^"]*"?|\S*)')
_TOKEN_RE = re.compile(r'-?"[^"]*"?|[^\s"]+')


@dataclass(frozen=True)
class SessionMatch:
    """A published session whose metadata matches: what a result line shows."""

    slug: str
    title: str
    date: str | None  # ISO date
    series_title: str | None
    fields: tuple[str, ...]  # where it matched: title, description, place, series, programme


@dataclass(frozen=True)
class PersonMatch:
    """A person of published sessions whose name or affiliation matches."""

    slug: str
    name: str
    affiliations: tuple[str, ...]  # as given at published sessions


@dataclass
class MetadataResults:
    """Matching sessions and people (the first `MAX_SHOWN` of each) and how many there are."""

    sessions: list[SessionMatch] = field(default_factory=list)
    people: list[PersonMatch] = field(default_factory=list)
    session_count: int = 0
    people_count: int = 0

    @property
    def total(self) -> int:
        return self.session_count + self.people_count


@dataclass(frozen=True)
class _Doc:
    """One searchable record: analysed fields per language, and what to show when it matches."""

    fields: dict[str, tuple[tuple[str, str], ...]]  # lang -> ((field, " term term "), ...)
    bags: dict[str, frozenset[str]]  # lang -> every term of the record
    shown: SessionMatch | PersonMatch
    order: tuple


@dataclass(frozen=True)
class _Clause:
    """A word or phrase of the query, analysed once per language."""

    wanted: dict[str, tuple[str, ...]]  # lang -> terms that must follow one another

    @classmethod
    def of(cls, text: str) -> _Clause:
        return cls({lang: tuple(terms(text, lang)) for lang in LANGUAGES})


class _Collection:
    """Records of one kind, with the records each term is in, to visit only those."""

    def __init__(self, docs: list[_Doc]) -> None:
        self.docs = docs
        self.postings: dict[tuple[str, str], set[int]] = {}
        for number, doc in enumerate(docs):
            for lang, bag in doc.bags.items():
                for term in bag:
                    self.postings.setdefault((lang, term), set()).add(number)

    def find(self, groups: list[list[_Clause]], excluded: list[_Clause]) -> list[_Doc]:
        """Return the records matching every group (in their order), none of the excluded."""
        candidates: set[int] | None = None
        for group in groups:
            found: set[int] = set()
            for clause in group:
                for lang, wanted in clause.wanted.items():
                    sets = [self.postings.get((lang, t), set()) for t in set(wanted)]
                    found |= set.intersection(*sets) if sets else set()
            candidates = found if candidates is None else candidates & found
        chosen = sorted(candidates or ())
        if not excluded and all(len(w) == 1 for g in groups for c in g for w in c.wanted.values()):
            return [self.docs[n] for n in chosen]  # single words: the postings are the answer
        return [self.docs[n] for n in chosen if _matches(self.docs[n], groups, excluded)]


@dataclass
class MetadataTable:
    """The analysed metadata of one catalogue state."""

    sessions: list[_Doc]
    people: list[_Doc]

    def __post_init__(self) -> None:
        self._sessions, self._people = _Collection(self.sessions), _Collection(self.people)

    def search(self, q: str) -> MetadataResults:
        """Return the sessions and people matching q (words all, "phrases", OR, -word)."""
        groups, excluded = _parse(q)
        if not groups:
            return MetadataResults()
        sessions = self._sessions.find(groups, excluded)
        people = self._people.find(groups, excluded)
        return MetadataResults(
            sessions=[_with_fields(d, groups) for d in sessions[:MAX_SHOWN]],
            people=[d.shown for d in people[:MAX_SHOWN]],  # type: ignore[misc]
            session_count=len(sessions),
            people_count=len(people),
        )


class MetadataCache:
    """The table of the latest catalogue state, rebuilt when published sessions change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._table: MetadataTable | None = None

    def table(self, db: OrmSession) -> MetadataTable:
        """Return the table of the catalogue as `db` sees it (one small query when unchanged)."""
        key = catalogue_state(db)
        with self._lock:
            if self._table is None or key != self._key:
                self._table, self._key = build_table(db), key
            return self._table


def catalogue_state(db: OrmSession) -> tuple:
    """Return what changes whenever viewers' metadata does.

    Every edit of a session, its programme, people or series stamps the
    session's `updated_at` (core/catalogue/stamps.py); publishing, unpublishing
    and deleting change the count or the sum of ids.
    """
    row = db.execute(
        select(func.count(Session.id), func.max(Session.updated_at), func.sum(Session.id)).where(
            is_public()
        )
    ).one()
    return tuple(row)


def build_table(db: OrmSession) -> MetadataTable:
    """Analyse the metadata of every published session and of the people appearing in them."""
    rows = db.scalars(
        select(Session)
        .where(is_public())
        .options(
            selectinload(Session.series),
            selectinload(Session.items)
            .selectinload(ProgrammeItem.appearances)
            .selectinload(Appearance.person),
        )
    ).all()
    sessions, people, seen = [], {}, {}
    for session in rows:
        lang = language_of(session.language)
        texts = [
            ("title", session.title),
            ("description", session.description),
            ("place", session.place),
            ("series", session.series.title if session.series else ""),
            *(("programme", item.title) for item in session.items),
        ]
        iso = session.date.isoformat() if session.date else None
        shown = SessionMatch(
            session.slug,
            session.title,
            iso,
            session.series.title if session.series else None,
            (),
        )
        sessions.append(_doc(texts, (lang,), shown, (iso is None, _desc(iso), session.slug)))
        for item in session.items:
            for appearance in item.appearances:
                person = appearance.person
                people.setdefault(person.slug, person)
                found = seen.setdefault(person.slug, [])
                if appearance.affiliation and appearance.affiliation not in found:
                    found.append(appearance.affiliation)
    sessions.sort(key=lambda d: d.order)
    docs = [
        _doc(
            [("name", p.name), *(("affiliation", a) for a in seen[slug])],
            LANGUAGES,
            PersonMatch(slug, p.name, tuple(seen[slug])),
            (p.name.lower(), slug),
        )
        for slug, p in people.items()
    ]
    return MetadataTable(sessions, sorted(docs, key=lambda d: d.order))


def _desc(iso: str | None) -> str:
    # Newest first: invert the digits of an ISO date so that sorting ascends.
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in iso or "")


def _doc(texts: list[tuple[str, str]], langs, shown, order) -> _Doc:
    analysed = {lang: [(name, terms(text, lang)) for name, text in texts if text] for lang in langs}
    # Terms joined by spaces: a phrase is then a substring test, done in C.
    fields = {
        lang: tuple((name, f" {' '.join(ts)} ") for name, ts in analysed[lang]) for lang in langs
    }
    bags = {lang: frozenset(t for _, ts in analysed[lang] for t in ts) for lang in langs}
    return _Doc(fields, bags, shown, order)


def _parse(q: str) -> tuple[list[list[_Clause]], list[_Clause]]:
    """Split q into AND-ed groups of OR-ed clauses, and excluded clauses."""
    groups: list[list[_Clause]] = []
    excluded: list[_Clause] = []
    join_next = negate_next = False
    for token in _TOKEN_RE.findall(_FIELD_RE.sub(" ", q or "")):
        token = token.strip("()")
        if token in ("OR", "AND", "NOT", "ANDNOT"):
            join_next, negate_next = token == "OR", token in ("NOT", "ANDNOT")
            continue
        negated = negate_next or token.startswith("-")
        text = token.lstrip("-").strip('"')
        if not text or "*" in text or "?" in text:  # patterns: the index's business
            join_next = negate_next = False
            continue
        clause = _Clause.of(text)
        if negated:
            excluded.append(clause)
        elif join_next and groups:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        join_next = negate_next = False
    # Clauses of stop words only ("de la") say nothing about a record.
    groups = [g for g in groups if all(all(c.wanted.values()) for c in g)]
    return groups, excluded


def _clause_fields(doc: _Doc, clause: _Clause) -> set[str]:
    """Return the fields where the clause's words follow one another, in any of doc's languages."""
    where = set()
    for lang, fields in doc.fields.items():
        wanted = clause.wanted.get(lang, ())
        if not wanted or not set(wanted) <= doc.bags[lang]:
            continue
        for name, got in fields:
            if _contains(got, wanted):
                where.add(name)
    return where


def _contains(joined: str, part: tuple[str, ...]) -> bool:
    return f" {' '.join(part)} " in joined


def _found(doc: _Doc, clause: _Clause) -> bool:
    """Return whether the clause's words are in doc, side by side when there are several."""
    for lang, wanted in clause.wanted.items():
        if wanted and lang in doc.bags and set(wanted) <= doc.bags[lang]:
            if len(wanted) == 1 or any(_contains(got, wanted) for _, got in doc.fields[lang]):
                return True
    return False


def _matches(doc: _Doc, groups: list[list[_Clause]], excluded: list[_Clause]) -> bool:
    return all(any(_found(doc, c) for c in g) for g in groups) and not any(
        _found(doc, c) for c in excluded
    )


def _with_fields(doc: _Doc, groups: list[list[_Clause]]) -> SessionMatch:
    where = set().union(*(_clause_fields(doc, c) for g in groups for c in g))
    order = ("title", "series", "programme", "place", "description")
    shown = doc.shown
    assert isinstance(shown, SessionMatch)
    return SessionMatch(
        shown.slug,
        shown.title,
        shown.date,
        shown.series_title,
        tuple(f for f in order if f in where),
    )
