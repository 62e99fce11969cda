"""OAI-PMH at /oai, as a library's harvester meets it: Sickle against a live server.

The archive holds the shared test sessions, three more published ones (a second
series and one without a series), and the two secret drafts of
test_drafts_invisible. The page size is 2, so every list runs over several pages.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from lxml import etree
from sickle import Sickle, oaiexceptions
from sqlalchemy import update

from core.catalogue import open_catalogue
from core.catalogue.queries import get_session
from core.catalogue.schema import Appearance, Person, ProgrammeItem, Series, Session
from core.programme import add_item
from core.settings import load_settings
from portal import create_app
from tests.portal.builders import SLUG, BuiltArchive, add_correction
from tests.portal.test_drafts_invisible import DRAFT, SECRETS, SERIES, UNPUBLISHED, plant_drafts
from tests.support.live import serve

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
PAGE_SIZE = 2
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("oai_pmh.xsd"))))
SEED_SERIES = "ville-intelligente-cycle-2"
OTHER_SERIES = "cycle-3-mobilites"
EXTRA = {  # slug -> series slug (None: no series)
    "2019-03-12-mobilites-partagees": OTHER_SERIES,
    "2019-04-09-vehicules-autonomes": OTHER_SERIES,
    "2019-05-14-conference-hors-serie": None,
}
PUBLISHED = {
    "2017-01-27-politiques-de-la-ville-intelligente",
    "2017-09-19-transparence-generalisee-filtrage-ou-deformation",
    SLUG,
    *EXTRA,
}


def add_published_sessions(home: Path) -> None:
    """Add the second series' two sessions and one session without a series, published."""
    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    try:
        with catalogue.session() as db:
            series = Series(slug=OTHER_SERIES, title="Mobilités, cycle 3", description="")
            speaker = Person(slug="ines-rocher", name="Inès Rocher", affiliation="IFSTTAR")
            for number, (slug, in_series) in enumerate(EXTRA.items()):
                session = Session(
                    slug=slug,
                    title=f"Séance {number + 1} & <mobilités>",
                    date=date(2019, 3 + number, 12),
                    place="Paris, École des Ponts",
                    # A form feed pasted from a PDF: XML 1.0 cannot carry it even escaped.
                    description="Notes\x0c de séance" if number == 2 else "",
                    series=series if in_series else None,
                    published=True,
                )
                item = ProgrammeItem(position=0, kind="talk", title=f"Exposé {number + 1}")
                item.appearances.append(Appearance(person=speaker, role="speaker"))
                session.items.append(item)
                db.add(session)
    finally:
        catalogue.dispose()


def serve_oai(home: Path, **config: object) -> Iterator[str]:
    """Serve the portal of home on a free loopback port; yield the /oai base URL."""
    served = serve(home, **config)
    try:
        yield f"{next(served)}/oai"
    finally:
        served.close()  # stops the server now, not when the generator is collected


@pytest.fixture(scope="module")
def oai_home(built_archive: BuiltArchive, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private archive with more published sessions and the two secret drafts."""
    home = tmp_path_factory.mktemp("oai") / "home"
    shutil.copytree(built_archive.settings.home, home)
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    media = home / built_archive.media_path.relative_to(built_archive.settings.home)
    plant_drafts(BuiltArchive(settings, SLUG, media, built_archive.sha256))
    add_published_sessions(home)
    return home


@pytest.fixture(scope="module")
def base_url(oai_home: Path) -> Iterator[str]:
    yield from serve_oai(oai_home, ARCHIVE_OAI_PAGE_SIZE=PAGE_SIZE)


def ident(slug: str) -> str:
    return f"oai:127.0.0.1:{slug}"


def oai_xml(url: str, method: str = "GET", **args: str) -> ET.Element:
    """Fetch one response, check its envelope and return its root."""
    if method == "GET":
        response = requests.get(url, params=args, timeout=30)
    else:
        response = requests.post(url, data=args, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    SCHEMA.assertValid(etree.fromstring(response.content))
    root = ET.fromstring(response.content)
    check_envelope(root)
    return root


def check_envelope(root: ET.Element) -> None:
    """The structure OAI-PMH.xsd requires of every response."""
    assert root.tag == f"{OAI}OAI-PMH"
    children = list(root)
    assert [c.tag for c in children[:2]] == [f"{OAI}responseDate", f"{OAI}request"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", children[0].text)
    rest = children[2:]
    assert rest, "a response holds a verb element or errors"
    if rest[0].tag == f"{OAI}error":
        assert all(c.tag == f"{OAI}error" and c.get("code") for c in rest)
        return
    assert len(rest) == 1
    for header in rest[0].iter(f"{OAI}header"):
        assert [c.tag for c in header][:2] == [f"{OAI}identifier", f"{OAI}datestamp"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", header[1].text)
    for metadata in rest[0].iter(f"{OAI}metadata"):
        (dc,) = list(metadata)
        assert dc.tag == f"{OAI_DC}dc"
        assert all(c.tag.startswith(DC) for c in dc)


def error_code(root: ET.Element) -> str | None:
    found = root.find(f"{OAI}error")
    return found.get("code") if found is not None else None


def test_a_harvester_collects_every_published_session_and_nothing_else(base_url: str) -> None:
    records = list(Sickle(base_url).ListRecords(metadataPrefix="oai_dc"))
    assert sorted(r.header.identifier for r in records) == sorted(map(ident, PUBLISHED))
    for record in records:
        assert not [s for s in SECRETS if s in record.raw], record.header.identifier
    first = oai_xml(base_url, verb="ListRecords", metadataPrefix="oai_dc")
    token = first.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    assert (token.get("completeListSize"), token.get("cursor")) == (str(len(PUBLISHED)), "0")
    assert len(first.findall(f"{OAI}ListRecords/{OAI}record")) == PAGE_SIZE


def test_every_page_validates_and_the_last_token_is_empty(base_url: str) -> None:
    args: dict[str, str] = {"metadataPrefix": "oai_dc"}
    cursors, seen = [], []
    for _ in range(10):  # bounded: 6 records, 2 a page
        root = oai_xml(base_url, verb="ListIdentifiers", **args)
        listed = root.find(f"{OAI}ListIdentifiers")
        seen += [h.findtext(f"{OAI}identifier") for h in listed.findall(f"{OAI}header")]
        token = listed.find(f"{OAI}resumptionToken")
        cursors.append(int(token.get("cursor")))
        if not token.text:
            break
        args = {"resumptionToken": token.text}
    assert cursors == [0, 2, 4]
    assert sorted(seen) == sorted(map(ident, PUBLISHED))


def test_a_session_record_carries_its_dublin_core(base_url: str) -> None:
    record = Sickle(base_url).GetRecord(identifier=ident(SLUG), metadataPrefix="oai_dc")
    dc = record.metadata
    assert dc["identifier"] == [base_url.removesuffix("/oai") + f"/sessions/{SLUG}"]
    assert dc["date"] == ["2018-01-29"]
    assert dc["type"] == ["MovingImage"] and dc["format"] == ["video/mp4"]
    assert {"Pierre Saulnier", "Arnaud Brun", "Gilles Jeannot"} <= set(dc["creator"])
    assert "Ludovic Halbert" in dc["contributor"]  # the discussant
    assert dc["language"] == ["fr"] and dc["publisher"] == ["Archives des séminaires"]
    assert dc["relation"][0].startswith("Séminaire PUCA-LATTS")
    assert record.header.setSpecs == [SEED_SERIES]
    escaped = Sickle(base_url).GetRecord(
        identifier=ident(next(iter(EXTRA))), metadataPrefix="oai_dc"
    )
    assert escaped.metadata["title"] == ["Séance 1 & <mobilités>"]
    assert escaped.metadata["coverage"] == ["Paris, École des Ponts"]
    assert escaped.metadata["type"] == ["Event"]  # no recording yet
    # Parsed strictly (Sickle's parser recovers from what is not XML): the form feed is gone.
    strict = oai_xml(
        base_url,
        verb="GetRecord",
        metadataPrefix="oai_dc",
        identifier=ident("2019-05-14-conference-hors-serie"),
    )
    assert strict.findtext(f".//{DC}description") == "Notes de séance"


def test_sets_are_the_series_with_published_sessions(base_url: str) -> None:
    harvester = Sickle(base_url)
    assert {s.setSpec for s in harvester.ListSets()} == {SEED_SERIES, OTHER_SERIES}
    in_set = harvester.ListIdentifiers(metadataPrefix="oai_dc", set=OTHER_SERIES)
    assert {h.identifier for h in in_set} == {ident(s) for s, x in EXTRA.items() if x}
    for unknown in (SERIES, "no-such-series"):  # drafts only, and nothing at all
        with pytest.raises(oaiexceptions.NoRecordsMatch):
            list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set=unknown))


def test_from_and_until_select_by_datestamp(base_url: str) -> None:
    harvester = Sickle(base_url)
    today = datetime.now(UTC).date()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    every = {h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc")}
    for bounds in ({"from": yesterday.isoformat()}, {"until": tomorrow.isoformat()}):
        found = harvester.ListIdentifiers(metadataPrefix="oai_dc", **bounds)
        assert {h.identifier for h in found} == every
    stamps = [h.datestamp for h in harvester.ListIdentifiers(metadataPrefix="oai_dc")]
    latest = max(stamps)
    found = harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": latest, "until": latest})
    assert len(list(found)) == stamps.count(latest)  # seconds granularity, both inclusive
    for bounds in ({"from": tomorrow.isoformat()}, {"until": yesterday.isoformat()}):
        with pytest.raises(oaiexceptions.NoRecordsMatch):
            list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **bounds))


def test_identify_states_the_deletion_policy_and_granularity(base_url: str) -> None:
    identify = Sickle(base_url, http_method="POST").Identify()
    assert identify.deletedRecord == "no"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.protocolVersion == "2.0"
    assert identify.baseURL == base_url
    formats = Sickle(base_url).ListMetadataFormats(identifier=ident(SLUG))
    assert [f.metadataPrefix for f in formats] == ["oai_dc"]


@pytest.mark.parametrize("slug", [DRAFT, UNPUBLISHED, "2031-03-03-seance-inconnue"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_drafts_answer_as_unknown_identifiers(base_url: str, slug: str, method: str) -> None:
    harvester = Sickle(base_url, http_method=method)
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        harvester.GetRecord(identifier=ident(slug), metadataPrefix="oai_dc")
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        list(harvester.ListMetadataFormats(identifier=ident(slug)))


# A well-formed token whose position is not a time.
TOKEN = base64.urlsafe_b64encode(
    json.dumps({"c": 2, "i": 3, "q": {"metadataPrefix": "oai_dc"}, "t": "not a date"}).encode()
).decode()
ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01",
         "until": "2021-01-01T00:00:00Z"},
        "badArgument",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-02",
      "until": "2021-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:127.0.0.1:" + SLUG}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "a b"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "oai:127.0.0.1:" + SLUG, "metadataPrefix": "mods"},
     "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": SLUG, "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": "oai:example.org:" + SLUG, "metadataPrefix": "oai_dc"},
     "idDoesNotExist"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token!"}, "badResumptionToken"),
    ({"verb": "ListRecords", "resumptionToken": TOKEN}, "badResumptionToken"),
    ({"verb": "ListIdentifiers", "resumptionToken": "e30"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "e30"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2099-01-01"}, "noRecordsMatch"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code"), ERRORS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_protocol_errors_are_oai_errors_with_status_200(
    base_url: str, args: dict, code: str, method: str
) -> None:
    root = oai_xml(base_url, method, **args)
    assert error_code(root) == code
    echoed = root.find(f"{OAI}request")
    assert echoed.text == base_url
    if code in ("badVerb", "badArgument"):
        assert echoed.attrib == {}  # the protocol forbids echoing a bad request


def _stamp_of(client, slug: str) -> str:
    body = client.get(
        "/oai", query_string={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                              "identifier": f"oai:localhost:{slug}"}
    ).get_data()  # fmt: skip
    return ET.fromstring(body).findtext(f".//{OAI}datestamp")


def _new_transcript(home: Path) -> None:
    add_correction(load_settings(test_config={"ARCHIVE_HOME": str(home)}), 0, "Bonjour, bienvenue.")


def _edit(home: Path, change) -> None:
    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    try:
        with catalogue.session() as db:
            change(db, get_session(db, SLUG))
    finally:
        catalogue.dispose()


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
# name -> (change, whether the other sessions of the series keep their datestamp)
CHANGES = {
    "new transcript version": (_new_transcript, True),
    "programme item renamed": (
        lambda home: _edit(home, lambda db, s: setattr(s.items[2], "title", "Un autre titre")),
        True,
    ),
    "programme item removed": (lambda home: _edit(home, lambda db, s: s.items.pop()), True),
    "speaker renamed": (
        lambda home: _edit(
            home, lambda db, s: setattr(s.items[2].appearances[0].person, "name", "P. Saulnier")
        ),
        True,
    ),
    "series renamed": (
        lambda home: _edit(home, lambda db, s: setattr(s.series, "title", "Cycle 2")),
        False,
    ),
    "place changed": (lambda home: _edit(home, lambda db, s: setattr(s, "place", "Marne")), True),
}


@pytest.mark.parametrize(("change", "others_stay"), CHANGES.values(), ids=list(CHANGES))
def test_a_change_viewers_see_makes_the_record_newer(
    fresh_archive: BuiltArchive, change, others_stay: bool
) -> None:
    home = fresh_archive.settings.home
    _edit(home, lambda db, s: db.execute(update(Session).values(updated_at=LONG_AGO)))
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "oai"})
    try:
        client = app.test_client()
        assert _stamp_of(client, SLUG) == "2020-01-01T00:00:00Z"
        change(home)
        assert _stamp_of(client, SLUG) > "2026"
        untouched = "2017-01-27-politiques-de-la-ville-intelligente"
        assert (_stamp_of(client, untouched) == "2020-01-01T00:00:00Z") is others_stay
    finally:
        app.extensions["archive"].catalogue.dispose()


def test_a_speaker_added_elsewhere_leaves_their_other_sessions_alone(
    fresh_archive: BuiltArchive,
) -> None:
    home = fresh_archive.settings.home
    other = "2017-01-27-politiques-de-la-ville-intelligente"
    _edit(home, lambda db, s: db.execute(update(Session).values(updated_at=LONG_AGO)))

    def add_talk(db, _session) -> None:
        person = db.query(Person).filter_by(slug="gilles-jeannot").one()
        # Loaded, as an editing page may have it: the new appearance is appended to it too.
        assert person.appearances
        add_item(db, get_session(db, other), "Nouvel exposé", [(person.name, "LATTS")])

    _edit(home, add_talk)
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "oai"})
    try:
        client = app.test_client()
        assert _stamp_of(client, other) > "2026"
        assert _stamp_of(client, SLUG) == "2020-01-01T00:00:00Z"
    finally:
        app.extensions["archive"].catalogue.dispose()


def test_an_edit_between_pages_loses_no_record(oai_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(oai_home, home)
    served = serve_oai(home, ARCHIVE_OAI_PAGE_SIZE=PAGE_SIZE)
    url = next(served)
    try:
        first = oai_xml(url, verb="ListIdentifiers", metadataPrefix="oai_dc")
        listed = first.find(f"{OAI}ListIdentifiers")
        seen = [h.findtext(f"{OAI}identifier") for h in listed.findall(f"{OAI}header")]
        token = listed.findtext(f"{OAI}resumptionToken")
        edited = seen[0].rpartition(":")[2]  # moves to the end of the list order
        _edit_slug(home, edited)
        for _ in range(10):
            page = oai_xml(url, verb="ListIdentifiers", resumptionToken=token)
            listed = page.find(f"{OAI}ListIdentifiers")
            seen += [h.findtext(f"{OAI}identifier") for h in listed.findall(f"{OAI}header")]
            token = listed.findtext(f"{OAI}resumptionToken")
            if not token:
                break
        assert set(seen) == set(map(ident, PUBLISHED))
    finally:
        served.close()


def _edit_slug(home: Path, slug: str) -> None:
    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    try:
        with catalogue.session() as db:
            get_session(db, slug).description = "Résumé ajouté pendant la moisson."
    finally:
        catalogue.dispose()


def test_a_configured_host_names_identifiers_and_describes_them(
    fresh_archive: BuiltArchive,
) -> None:
    config = {
        "ARCHIVE_OAI_REPOSITORY_IDENTIFIER": "seminaires.example.org",
        "ARCHIVE_OAI_ADMIN_EMAIL": "archives@example.org",
        "ARCHIVE_OAI_RIGHTS": "CC BY 4.0",
    }
    app = create_app({"ARCHIVE_HOME": str(fresh_archive.settings.home), "TESTING": True, **config})
    try:
        client = app.test_client()
        identify = ET.fromstring(client.get("/oai?verb=Identify").get_data())
        check_envelope(identify)
        assert identify.findtext(f".//{OAI}adminEmail") == "archives@example.org"
        described = "{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier"
        assert identify.findtext(f".//{described}") == "seminaires.example.org"
        args = {"verb": "GetRecord", "metadataPrefix": "oai_dc"}
        found = ET.fromstring(
            client.get(
                "/oai", query_string={**args, "identifier": f"oai:seminaires.example.org:{SLUG}"}
            ).get_data()
        )
        assert found.findtext(f".//{DC}rights") == "CC BY 4.0"
        other = ET.fromstring(
            client.get(
                "/oai", query_string={**args, "identifier": f"oai:localhost:{SLUG}"}
            ).get_data()
        )
        assert error_code(other) == "idDoesNotExist"
    finally:
        app.extensions["archive"].catalogue.dispose()
