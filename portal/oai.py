"""OAI-PMH 2.0 at /oai: libraries and aggregators harvest the published sessions.

The protocol's rules live in portal/services/oai.py; this module reads the
request (GET query or POST form), asks the service and writes the XML with
xml.etree, which escapes text and attributes. Every protocol error is an OAI
<error> with HTTP 200, as the protocol requires.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from portal.auth import csrf
from portal.extensions import archive, get_db
from portal.services import oai
from portal.services.oai import OaiError, OaiRequest, Repository

bp = Blueprint("oai", __name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
IDENTIFIER_XSD = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@bp.route("/oai", methods=["GET", "POST"])
@csrf.exempt  # a read-only protocol: harvesters POST arguments, not changes
def endpoint():
    """Answer one OAI-PMH request."""
    pairs = list((request.form if request.method == "POST" else request.args).lists())
    root = ET.Element("OAI-PMH", {"xmlns": OAI_NS, "xmlns:xsi": XSI_NS})
    root.set("xsi:schemaLocation", f"{OAI_NS} {OAI_XSD}")
    _text(root, "responseDate", oai.stamp(datetime.now(UTC)))
    echo = _text(root, "request", request.base_url)
    try:
        parsed = oai.parse_request(pairs)
    except OaiError as exc:  # badVerb, badArgument: the request element carries no attributes
        _error(root, exc)
        return _response(root)
    for name, value in sorted([("verb", parsed.verb), *parsed.args.items()]):
        echo.set(name, _clean(value))
    try:
        _answer(root, parsed, _repository())
    except OaiError as exc:
        if exc.code == "badArgument":  # a bad date or a bad set name: no attributes either
            echo.attrib.clear()
        _error(root, exc)
    return _response(root)


def _repository() -> Repository:
    settings = archive().settings
    host = settings.oai_repository_identifier or (urlsplit(request.host_url).hostname or "")
    return Repository(
        name=settings.site_name,
        base_url=request.base_url,
        site_url=request.url_root,
        host=host,
        admin_email=settings.oai_admin_email or f"webmaster@{host}",
        rights=settings.oai_rights,
        page_size=settings.oai_page_size,
    )


def _answer(root: ET.Element, parsed: OaiRequest, repo: Repository) -> None:
    db, args = get_db(), parsed.args
    if parsed.verb == "Identify":
        _identify(ET.SubElement(root, "Identify"), repo, oai.earliest_datestamp(db))
    elif parsed.verb == "ListMetadataFormats":
        if "identifier" in args:
            oai.find_record(db, repo, args["identifier"])
        formats = ET.SubElement(root, "ListMetadataFormats")
        format_ = ET.SubElement(formats, "metadataFormat")
        _text(format_, "metadataPrefix", oai.METADATA_PREFIX)
        _text(format_, "schema", OAI_DC_XSD)
        _text(format_, "metadataNamespace", OAI_DC_NS)
    elif parsed.verb == "ListSets":
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "ListSets answers in one response.")
        sets = oai.list_sets(db)
        listed = ET.SubElement(root, "ListSets")
        for info in sets:
            element = ET.SubElement(listed, "set")
            _text(element, "setSpec", info.spec)
            _text(element, "setName", info.name)
            if info.description:
                _dublin_core(
                    ET.SubElement(element, "setDescription"), [("description", info.description)]
                )
    elif parsed.verb == "GetRecord":
        oai.check_prefix(args["metadataPrefix"])
        found = oai.find_record(db, repo, args["identifier"])
        _record(ET.SubElement(ET.SubElement(root, "GetRecord"), "record"), found)
    else:
        page = oai.list_page(db, repo, args)
        listed = ET.SubElement(root, parsed.verb)
        for found in page.records:
            if parsed.verb == "ListIdentifiers":
                _header(listed, found.header)
            else:
                _record(ET.SubElement(listed, "record"), found)
        if page.resumption is not None:
            token = _text(listed, "resumptionToken", page.resumption.token)
            token.set("completeListSize", str(page.resumption.complete_list_size))
            token.set("cursor", str(page.resumption.cursor))


def _identify(element: ET.Element, repo: Repository, earliest: str) -> None:
    _text(element, "repositoryName", repo.name)
    _text(element, "baseURL", repo.base_url)
    _text(element, "protocolVersion", "2.0")
    _text(element, "adminEmail", repo.admin_email)
    _text(element, "earliestDatestamp", earliest)
    # An unpublished session vanishes: reporting it deleted would tell its identifier.
    _text(element, "deletedRecord", "no")
    _text(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    if repo.describes_identifiers:
        description = ET.SubElement(element, "description")
        ident = ET.SubElement(description, "oai-identifier", {"xmlns": IDENTIFIER_NS})
        ident.set("xmlns:xsi", XSI_NS)
        ident.set("xsi:schemaLocation", f"{IDENTIFIER_NS} {IDENTIFIER_XSD}")
        _text(ident, "scheme", "oai")
        _text(ident, "repositoryIdentifier", repo.host)
        _text(ident, "delimiter", ":")
        _text(ident, "sampleIdentifier", repo.identifier("2018-01-29-seance"))


def _record(element: ET.Element, found: oai.Record) -> None:
    _header(element, found.header)
    _dublin_core(ET.SubElement(element, "metadata"), found.dc)


def _header(parent: ET.Element, header: oai.Header) -> None:
    element = ET.SubElement(parent, "header")
    _text(element, "identifier", header.identifier)
    _text(element, "datestamp", header.datestamp)
    for spec in header.set_specs:
        _text(element, "setSpec", spec)


def _dublin_core(parent: ET.Element, elements) -> None:
    dc = ET.SubElement(parent, "oai_dc:dc", {"xmlns:oai_dc": OAI_DC_NS, "xmlns:dc": DC_NS})
    dc.set("xmlns:xsi", XSI_NS)
    dc.set("xsi:schemaLocation", f"{OAI_DC_NS} {OAI_DC_XSD}")
    for name, value in elements:
        _text(dc, f"dc:{name}", value)


def _error(root: ET.Element, exc: OaiError) -> None:
    _text(root, "error", exc.message).set("code", exc.code)


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _clean(value)
    return element


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _response(root: ET.Element) -> Response:
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    return Response(body, content_type="text/xml; charset=utf-8")
