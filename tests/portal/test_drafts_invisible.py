"""Drafts are invisible by construction: every public route, probed anonymously.

Two unpublished sessions hold words, a person, organisations, a series and
recordings found nowhere else: one was indexed while public and then
unpublished with no worker to reindex it (the index's own flag still says
public), the other was never published. No public page or API answer may show
any of it, and asking for the draft-only person, organisation, series or
session must answer exactly as asking for one that does not exist. The routes
come from the app's URL map: a new public route without probes fails the test.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from core.catalogue import open_catalogue
from core.catalogue.queries import get_session
from core.catalogue.schema import Appearance, Person, ProgrammeItem, Recording, Series, Session
from core.catalogue.transcripts import store_transcript
from core.settings import load_settings
from index.service import index_session
from ingest.exports import EXPORT_FORMATS
from portal import create_app
from tests.portal.builders import SLUG, BuiltArchive, segments_from
from tests.portal.workspace_fixtures import cheap_hashes, csrf_from, sign_in  # noqa: F401

UNPUBLISHED = "2031-01-07-huis-clos-ultramarin"  # indexed while public, then unpublished
DRAFT = "2031-02-04-brouillon-ultramarin"  # never published
WORDS = {UNPUBLISHED: "zanzibarsecret", DRAFT: "quokkabrouillon"}
PERSON = "quentin-xylophagos"  # appears only in the two drafts
ORG = "Wxcvbnqsd Conseil"  # the person's affiliation, only in drafts
OTHER_ORG = "Plokijuh"  # a public speaker's affiliation at a draft only
SERIES = "serie-ultramarine"  # a series of drafts only
PUBLIC_SPEAKER = "pierre-saulnier"
SECRETS = (
    *WORDS.values(),
    UNPUBLISHED,
    DRAFT,
    "Xylophagos",
    "xylophagos",
    "Wxcvbnqsd",
    "wxcvbnqsd",
    "Plokijuh",
    "plokijuh",
    "Ultramarin",
    "ultramarin",
)
UNKNOWN_SESSION = "2031-03-03-seance-inconnue"
# Endpoints not for anonymous readers (each checks sign-in itself), and static files.
PRIVATE = re.compile(r"^(workspace|auth\.|static$)")


def _media_copy(home: Path, source: Path, salt: str) -> tuple[str, str]:
    """Copy the test recording with a distinct hash; return (sha256, home-relative path)."""
    data = source.read_bytes() + salt.encode()
    sha = hashlib.sha256(data).hexdigest()
    target = home / "media" / sha / "playable.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    (target.parent / "poster.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    return sha, str(target.relative_to(home))


def plant_drafts(archive: BuiltArchive) -> dict[str, str]:
    """Add the two secret sessions to the archive; return each one's recording hash."""
    settings = archive.settings
    catalogue = open_catalogue(settings)
    shas = {}
    try:
        with catalogue.session() as db:
            public = get_session(db, SLUG)
            streams = public.recordings[0].streams
            series = Series(slug=SERIES, title="Série Ultramarine", description="ultramarin")
            person = Person(slug=PERSON, name="Quentin Xylophagos", affiliation=ORG)
            db.add_all([series, person])
            db.flush()
            saulnier = db.query(Person).filter_by(slug=PUBLIC_SPEAKER).one()
            for number, (slug, word) in enumerate(WORDS.items()):
                session = Session(
                    slug=slug,
                    title=f"Huis clos ultramarin {word}",
                    date=date(2031, 1 + number, 7),
                    description=f"Séance ultramarine sur {word}",
                    series=series,
                    published=slug == UNPUBLISHED,
                )
                item = ProgrammeItem(position=0, title=f"Exposé ultramarin {word}", start_ms=0)
                item.appearances.append(Appearance(person=person, affiliation=ORG))
                item.appearances.append(Appearance(person=saulnier, affiliation=OTHER_ORG))
                session.items.append(item)
                sha, relative = _media_copy(settings.home, archive.media_path, slug)
                recording = Recording(
                    session=session,
                    original_name="huis-clos.mp4",
                    original_path=relative,
                    playable_path=relative,
                    poster_path=str(Path(relative).with_name("poster.jpg")),
                    sha256=sha,
                    duration_ms=40_000,
                    container="mov,mp4",
                    streams=streams,
                )
                db.add_all([session, recording])
                db.flush()
                lines = [
                    (0, 4_000, PERSON, f"Le dossier {word} reste entre nous, conseil."),
                    (4_000, 8_000, PUBLIC_SPEAKER, f"Ville intelligente et {word} confidentiel."),
                ]
                store_transcript(
                    db,
                    session,
                    segments_from(lines),
                    language="fr",
                    model="hand-written",
                    source="import",
                    recording=recording,
                )
                shas[slug] = sha
        for slug in WORDS:
            index_session(catalogue, settings.index_dir, slug)
        with catalogue.session() as db:
            # Unpublished without a reindex: as when no worker runs.
            get_session(db, UNPUBLISHED).published = False
    finally:
        catalogue.dispose()
    return shas


@pytest.fixture(scope="module")
def drafted(built_archive: BuiltArchive, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the archive with the secret sessions, and an anonymous client."""
    home = tmp_path_factory.mktemp("drafts") / "home"
    shutil.copytree(built_archive.settings.home, home)
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    media = home / built_archive.media_path.relative_to(built_archive.settings.home)
    shas = plant_drafts(BuiltArchive(settings, SLUG, media, built_archive.sha256))
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "drafts"})
    yield app, shas
    app.extensions["archive"].catalogue.dispose()


@dataclass(frozen=True)
class Same:
    """Asking for the secret answers as asking for the unknown, once each is blanked out."""

    secret: str
    unknown: str
    template: str  # the URL, "{}" standing for the secret or the unknown value


def _search_pairs(prefix: str) -> list[Same]:
    word = WORDS[UNPUBLISHED]
    return [
        Same(word, "qqwwzzyyxx", prefix + "?q={}"),
        Same(WORDS[DRAFT], "qqwwzzyyxx", prefix + "?q={}"),
        Same(word, "qqwwzzyyxx", prefix + "?q=conseil+{}&sort=date"),
        Same(word[:-1], "qqwwzzyyx", prefix + "?q={}"),  # did you mean
        Same(WORDS[DRAFT][:-1], "qqwwzzyyx", prefix + "?q={}"),
        Same(word[:6], "qqwwzz", prefix + "?q={}*"),
        Same(word, "qqwwzzyyxx", prefix + '?q="dossier+{}"'),
        Same("xylophagos", "nobodyqq", prefix + "?q=speaker:{}"),
        Same(PERSON, "nobody-qq", prefix + "?q=conseil+speaker:{}"),
        Same("xylo", "nobo", prefix + "?q=orateur:{}*"),
        Same("wxcvbnqsd", "nosuchorg", prefix + "?q=org:{}"),
        Same("plokijuh", "nosuchorg", prefix + "?q=ville+org:{}"),
        Same(SERIES, "no-such-series", prefix + "?q=series:{}"),
        Same("ultramarine", "nosuchseries", prefix + "?q=ville+series:{}"),
        Same(UNPUBLISHED, UNKNOWN_SESSION, prefix + "?q=session:{}"),
        Same(DRAFT, UNKNOWN_SESSION, prefix + "?q=ville+session:{}"),
        Same(PERSON, "nobody-qq", prefix + "?speaker={}"),
        Same(ORG, "Nowhere", prefix + "?org={}"),
        Same(OTHER_ORG, "Nowhere", prefix + "?q=ville&org={}"),
        Same(SERIES, "no-such-series", prefix + "?series={}"),
        Same(UNPUBLISHED, UNKNOWN_SESSION, prefix + "?q=ville&session={}"),
        Same("2031", "2032", prefix + "?q=ville&year={}"),
        Same("2031", "2032", prefix + "?q=ville+year:{}"),
        # Metadata: titles, descriptions, programme, series, names and affiliations.
        Same(f"ultramarin {word}", "qqwwzz yyxx", prefix + '?q="huis+clos+{}"'),
        Same(WORDS[DRAFT], "qqwwzzyyxx", prefix + "?q=expos%C3%A9+{}"),
        Same("ultramarine", "nosuchseries", prefix + "?q={}"),
        Same("xylophagos", "nobodyqq", prefix + "?q=quentin+{}"),
        Same("wxcvbnqsd", "nosuchorg", prefix + "?q={}+conseil"),
        Same("plokijuh", "nosuchorg", prefix + "?q={}"),
    ]


def probes(shas: dict[str, str]) -> dict[str, list[str | Same]]:
    """Return, per public endpoint, URLs to check for secrets (str) or compare (Same)."""
    per_session = {
        "sessions.show": "/sessions/{}",
        "sessions.chapters": "/sessions/{}/chapters.vtt",
        "api.session": "/api/sessions/{}",
        "cite.show": "/cite/{}/1/0-4000",
        "api.cite": "/api/cite/{}/1/0-4000",
        "iiif.manifest": "/iiif/{}/manifest.json",
        "iiif.transcript": "/iiif/{}/transcript/1.json",
        "embed.player": "/sessions/{}/embed?t=2",
    }
    out: dict[str, list[str | Same]] = {
        endpoint: [Same(slug, UNKNOWN_SESSION, url) for slug in WORDS]
        for endpoint, url in per_session.items()
    }
    out["sessions.transcript_file"] = [
        Same(slug, UNKNOWN_SESSION, "/sessions/{}/transcript." + fmt + suffix)
        for slug in WORDS
        for fmt in EXPORT_FORMATS
        for suffix in ("", "?download=1")
    ]
    out["sessions.show"] += [
        f"/sessions/{SLUG}",
        Same(WORDS[UNPUBLISHED], "qqwwzzyyxx", f"/sessions/{SLUG}?q={{}}"),
    ]
    out["sessions.media"] = [
        Same(sha, "0" * 64, "/media/{}/" + name)
        for sha in shas.values()
        for name in ("play.mp4", "poster.jpg")
    ]
    out["embed.oembed"] = [
        Same(slug, UNKNOWN_SESSION, "/oembed?url=http://localhost/sessions/{}" + tail)
        for slug in WORDS
        for tail in ("", "%3Ft%3D2", "/embed", "&maxwidth=300")
    ] + [f"/oembed?url=http://localhost/sessions/{SLUG}"]
    out["iiif.manifest"].append(f"/iiif/{SLUG}/manifest.json")
    out["iiif.transcript"].append(f"/iiif/{SLUG}/transcript/1.json")
    out["browse.home"] = ["/"]
    out["browse.series"] = [
        Same(SERIES, "no-such-series", "/series/{}"),
        "/series/ville-intelligente-cycle-2",
    ]
    out["sessions.index"] = ["/sessions/"]
    out["discover.feed"] = ["/feed.atom"]
    out["discover.sitemap"] = ["/sitemap.xml"]
    out["speakers.show"] = [
        Same(PERSON, "nobody-qq", "/speakers/{}"),
        Same(PERSON, "nobody-qq", "/speakers/{}?q=dossier"),
        f"/speakers/{PUBLIC_SPEAKER}",
        f"/speakers/{PUBLIC_SPEAKER}?q=ville",
        Same(WORDS[UNPUBLISHED], "qqwwzzyyxx", f"/speakers/{PUBLIC_SPEAKER}?q={{}}"),
    ]
    out["api.speaker"] = [
        Same(PERSON, "nobody-qq", "/api/speakers/{}"),
        f"/api/speakers/{PUBLIC_SPEAKER}",
    ]
    out["api.sessions"] = ["/api/sessions"]
    oai = "/oai?verb="
    out["oai.endpoint"] = [
        oai + "Identify",
        oai + "ListSets",
        oai + "ListRecords&metadataPrefix=oai_dc",
        oai + "ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01",
        *(
            Same(slug, UNKNOWN_SESSION, oai + verb + "&identifier=oai:localhost:{}")
            for slug in WORDS
            for verb in ("GetRecord&metadataPrefix=oai_dc", "ListMetadataFormats")
        ),
        Same(SERIES, "no-such-series", oai + "ListRecords&metadataPrefix=oai_dc&set={}"),
        Same(SERIES, "no-such-series", oai + "ListIdentifiers&metadataPrefix=oai_dc&set={}"),
    ]
    common = ["?q=ville", "?q=dossier+reste+entre", "?q=confidentiel&sort=date", "?q=ville&group=1"]
    out["search.page"] = _search_pairs("/search") + ["/search" + q for q in common]
    out["api.search"] = _search_pairs("/api/search") + ["/api/search" + q for q in common]
    out["search.concordance_file"] = [
        case
        for path in ("/search/concordance.csv", "/search/concordance.json")
        for case in [*_search_pairs(path), *(path + q for q in common)]
    ]
    return out


_CSRF = re.compile(r'(name="csrf[-_]token"[^>]*? (?:content|value)=")[^"]+')
_RESPONSE_DATE = re.compile(r"<responseDate>[^<]*</responseDate>")  # OAI: when it answered


def _observed(client, url: str, blank: str = "") -> tuple[int, str, str]:
    """Return (status, content type, body) with `blank` (as typed or URL-quoted) blanked out."""
    response = client.get(url)
    body = _CSRF.sub(r"\1…", response.get_data(as_text=True))
    body = _RESPONSE_DATE.sub("<responseDate/>", body)
    if blank:
        for form in {blank, quote(blank), quote(blank, safe=""), quote_plus_form(blank)}:
            body = body.replace(form, "@@")
    return response.status_code, response.content_type, body


def quote_plus_form(value: str) -> str:
    """Return the value as a query string writes it (spaces as +)."""
    from urllib.parse import quote_plus

    return quote_plus(value)


def _leaks(body: str) -> list[str]:
    return [secret for secret in SECRETS if secret in body]


def test_every_public_route_hides_drafts(drafted) -> None:
    app, shas = drafted
    table = probes(shas)
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not PRIVATE.match(rule.endpoint)
    }
    assert public == set(table), "every public route needs probes here (or is it private?)"
    client = app.test_client()
    problems = []
    for endpoint, cases in table.items():
        for case in cases:
            if isinstance(case, str):
                status, _, body = _observed(client, case)
                if status >= 500 or _leaks(body):
                    problems.append((endpoint, case, status, _leaks(body)))
                continue
            secret_url = case.template.format(quote(case.secret))
            secret = _observed(client, secret_url, case.secret)
            unknown = _observed(client, case.template.format(quote(case.unknown)), case.unknown)
            if secret != unknown or _leaks(secret[2]):
                problems.append((endpoint, secret_url, secret[0], unknown[0], _leaks(secret[2])))
    assert not problems, "\n".join(map(str, problems))


def test_the_secrets_are_there_for_archivists_to_find(drafted) -> None:
    """The probes are meaningful: the same index does hold the drafts' words."""
    from index.results import SearchRequest

    app, _ = drafted
    searcher = app.extensions["archive"].searcher
    for slug, word in WORDS.items():
        found = searcher.search(SearchRequest(q=word, include_unpublished=True))
        assert {h.session_slug for h in found.hits} == {slug}


@pytest.mark.usefixtures("cheap_hashes")
def test_unpublishing_hides_a_session_from_search_before_the_response_returns(
    fresh_archive: BuiltArchive,
) -> None:
    # A real queue with no worker consuming it: the index is never rewritten here.
    app = create_app({"ARCHIVE_HOME": str(fresh_archive.settings.home), "SECRET_KEY": "no-worker"})
    from core.accounts import create_user

    with app.extensions["archive"].catalogue.session() as db:
        create_user(db, "ada", "correct horse battery", "archivist")
    archivist, anonymous = app.test_client(), app.test_client()
    assert sign_in(archivist, "ada").status_code == 302
    token = csrf_from(archivist.get(f"/workspace/sessions/{SLUG}").get_data(as_text=True))

    def found(q: str) -> dict:
        return anonymous.get("/api/search", query_string={"q": q}).get_json()

    try:
        assert found("capteurs")["total"] == 1
        response = archivist.post(
            f"/workspace/sessions/{SLUG}/unpublish", data={"csrf_token": token}
        )
        assert response.status_code == 302
        assert app.extensions["archive"].tasks.huey.pending_count() >= 1  # nobody reindexed
        assert found("capteurs")["total"] == 0
        assert found("capteurz")["suggestion"] is None
        assert found("speaker:arnaud-brun")["total"] == 0
        assert anonymous.get(f"/sessions/{SLUG}").status_code == 404
        response = archivist.post(f"/workspace/sessions/{SLUG}/publish", data={"csrf_token": token})
        assert response.status_code == 302
        assert found("capteurs")["total"] == 1
    finally:
        app.extensions["archive"].catalogue.dispose()
