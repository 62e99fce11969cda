"""OAI-PMH 2.0 as plain data: argument rules, resumption tokens and Dublin Core records.

Libraries and research aggregators harvest the published sessions (one record
per session, one set per series). Drafts are simply absent: an unpublished
session answers as an unknown identifier and is not reported as deleted
(Identify says `deletedRecord` "no"). Datestamps are the session's
`updated_at`, which every change a viewer can see moves (core/catalogue/stamps.py);
lists page through (updated_at, id) order, so an edit between two pages never
makes a harvester skip a record. portal/oai.py renders this as XML.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session as OrmSession

from core.catalogue import queries
from core.catalogue.queries import HarvestFilter
from core.catalogue.schema import Session
from portal.links import absolute, session_path
from portal.services.sessions import media_ref, playable_recording

METADATA_PREFIX = "oai_dc"
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
# The protocol's own syntax of set specs and metadata prefixes (OAI-PMH.xsd).
_SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")

# verb -> (required arguments, optional arguments); resumptionToken is exclusive.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}


class OaiError(Exception):
    """A protocol error: its OAI code (badArgument, idDoesNotExist…) and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Repository:
    """What the repository says of itself; site_url is the portal's root ("https://host/")."""

    name: str
    base_url: str
    site_url: str
    host: str  # in identifiers: oai:<host>:<slug>
    admin_email: str
    rights: str
    page_size: int

    @property
    def describes_identifiers(self) -> bool:
        """Whether the host is a domain name, as the oai-identifier description requires."""
        return bool(_DOMAIN.fullmatch(self.host))

    def identifier(self, slug: str) -> str:
        return f"oai:{self.host}:{slug}"


@dataclass(frozen=True)
class OaiRequest:
    """A checked request: its verb and its arguments (each given once)."""

    verb: str
    args: dict[str, str]


@dataclass(frozen=True)
class Header:
    identifier: str
    datestamp: str  # STAMP_FORMAT, UTC
    set_specs: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """A session's header and its Dublin Core elements, as (element, value) in order."""

    header: Header
    dc: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    description: str


@dataclass(frozen=True)
class Resumption:
    """The resumptionToken element: an empty token marks the last page of a paged list."""

    token: str
    complete_list_size: int
    cursor: int


@dataclass(frozen=True)
class ListPage:
    records: tuple[Record, ...]
    resumption: Resumption | None


def parse_request(pairs: list[tuple[str, list[str]]]) -> OaiRequest:
    """Check the verb and its arguments (names and counts) as the protocol requires."""
    given = dict(pairs)
    verbs = given.pop("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "Give exactly one verb of the OAI-PMH 2.0 protocol.")
    verb = verbs[0]
    required, optional = VERBS[verb]
    repeated = sorted(name for name, values in given.items() if len(values) != 1)
    if repeated:
        raise OaiError("badArgument", f"Repeated argument: {', '.join(repeated)}.")
    args = {name: values[0] for name, values in given.items()}
    unknown = sorted(set(args) - required - optional)
    if unknown:
        raise OaiError("badArgument", f"Illegal argument for {verb}: {', '.join(unknown)}.")
    if not _SET_SPEC.fullmatch(args.get("set", "x")):
        raise OaiError("badArgument", "set is not a set spec (letters, digits, -_.!~*'() and :).")
    if not _PREFIX.fullmatch(args.get("metadataPrefix", "x")):
        raise OaiError("badArgument", "metadataPrefix is not a metadata prefix.")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
    elif missing := sorted(required - set(args)):
        raise OaiError("badArgument", f"Missing argument for {verb}: {', '.join(missing)}.")
    return OaiRequest(verb, args)


def earliest_datestamp(db: OrmSession) -> str:
    """Return the guaranteed lower limit of all datestamps."""
    earliest = queries.earliest_public_update(db)
    return stamp(earliest) if earliest else "1970-01-01T00:00:00Z"


def list_sets(db: OrmSession) -> list[SetInfo]:
    """Return one set per series that has a published session."""
    series = queries.public_series(db)
    if not series:
        raise OaiError("noSetHierarchy", "This repository has no sets yet.")
    return [SetInfo(s.slug, s.title, s.description or "") for s in series]


def find_record(db: OrmSession, repo: Repository, identifier: str) -> Record:
    """Return the record of a published session; drafts answer as unknown identifiers."""
    prefix = repo.identifier("")
    slug = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    session = queries.get_session(db, slug) if slug else None
    if session is None:
        raise OaiError("idDoesNotExist", "No record has this identifier.")
    return record(session, repo)


def check_prefix(prefix: str) -> None:
    """Refuse metadata formats other than oai_dc."""
    if prefix != METADATA_PREFIX:
        raise OaiError("cannotDisseminateFormat", f"Only {METADATA_PREFIX} is disseminated.")


def list_page(db: OrmSession, repo: Repository, args: dict[str, str]) -> ListPage:
    """Return one page of ListRecords/ListIdentifiers, from arguments or a resumption token."""
    if "resumptionToken" in args:
        query, cursor, after = decode_token(args["resumptionToken"])
    else:
        query = {k: args[k] for k in ("metadataPrefix", "from", "until", "set") if k in args}
        check_prefix(query["metadataPrefix"])
        cursor, after = 0, None
    wanted = harvest_filter(query)
    size = max(1, repo.page_size)
    sessions = queries.harvest_page(db, wanted, after, size + 1)
    if not sessions:  # after a token too: what remained was unpublished meanwhile
        raise OaiError("noRecordsMatch", "No record matches these arguments.")
    more, sessions = len(sessions) > size, sessions[:size]
    resumption = None
    if more or after is not None:
        last = sessions[-1]
        token = encode_token(query, cursor + len(sessions), (last.updated_at, last.id))
        total = queries.harvest_count(db, wanted)
        resumption = Resumption(token if more else "", total, cursor)
    return ListPage(tuple(record(s, repo) for s in sessions), resumption)


def harvest_filter(query: dict[str, str]) -> HarvestFilter:
    """Turn from/until/set into a filter; from and until must share their granularity."""
    since = until = None
    if "from" in query:
        since = _datestamp(query["from"], "from", end=False)
    if "until" in query:
        until = _datestamp(query["until"], "until", end=True)
    if since and until:
        if len(query["from"]) != len(query["until"]):
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if since >= until:
            raise OaiError("badArgument", "from is later than until.")
    return HarvestFilter(since=since, before=until, series_slug=query.get("set"))


def _datestamp(value: str, name: str, *, end: bool) -> datetime:
    try:
        if _DAY.fullmatch(value):
            moment = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        if _SECONDS.fullmatch(value):
            moment = datetime.strptime(value, STAMP_FORMAT).replace(tzinfo=UTC)
            return moment + timedelta(seconds=1) if end else moment
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} must read YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")


def encode_token(query: dict[str, str], cursor: int, after: tuple[datetime, int]) -> str:
    """Return an opaque token holding the list's arguments and the position reached."""
    data = {"q": query, "c": cursor, "t": after[0].astimezone(UTC).isoformat(), "i": after[1]}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[dict[str, str], int, tuple[datetime, int]]:
    """Return (arguments, cursor, position) of a token; anything else is badResumptionToken."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        query, cursor, last_id = data["q"], data["c"], data["i"]
        after = datetime.fromisoformat(data["t"]).astimezone(UTC)
        allowed = {"metadataPrefix", "from", "until", "set"}
        if not (
            isinstance(query, dict)
            and set(query) <= allowed
            and query.get("metadataPrefix") == METADATA_PREFIX
            and all(isinstance(v, str) for v in query.values())
            and type(cursor) is int
            and type(last_id) is int
            and cursor >= 0
        ):
            raise ValueError("unexpected token content")
        harvest_filter(query)
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, OaiError):
        raise OaiError("badResumptionToken", "This resumption token is not valid.") from None
    return query, cursor, (after, last_id)


def stamp(moment: datetime) -> str:
    """Return a UTC datestamp at seconds granularity."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def record(session: Session, repo: Repository) -> Record:
    """Return a published session as an OAI record with simple Dublin Core."""
    header = Header(
        identifier=repo.identifier(session.slug),
        datestamp=stamp(session.updated_at),
        set_specs=(session.series.slug,) if session.series else (),
    )
    return Record(header, dublin_core(session, repo))


def dublin_core(session: Session, repo: Repository) -> tuple[tuple[str, str], ...]:
    """Map a session to the fifteen Dublin Core elements it has values for."""
    people = queries.session_people(session)
    recording = playable_recording(session)
    media = media_ref(recording) if recording else None
    dc: list[tuple[str, str]] = [("title", session.title)]
    dc += [("creator", p.person.name) for p in people if "speaker" in p.roles]
    dc += [("contributor", p.person.name) for p in people if "speaker" not in p.roles]
    dc += [("subject", item.title) for item in session.items if item.kind == "talk"]
    if session.description:
        dc.append(("description", session.description))
    dc.append(("publisher", repo.name))
    if session.date:
        dc.append(("date", session.date.isoformat()))
    if media is None:
        dc.append(("type", "Event"))
    else:
        dc += [("type", "MovingImage" if media.has_video else "Sound"), ("format", media.mimetype)]
    dc.append(("identifier", absolute(repo.site_url, session_path(session.slug))))
    dc.append(("language", session.language or "fr"))
    if session.series:
        dc.append(("relation", session.series.title))
    if session.place:
        dc.append(("coverage", session.place))
    if repo.rights:
        dc.append(("rights", repo.rights))
    return tuple(dc)
