"""Validate OGC XML against the official XSDs and DTDs, offline.

The schemas are the copies that ship in the `mapproxy` wheel (mapproxy/test/schemas/, laid
out like http://schemas.opengis.net/). Every URL a document or schema refers to is mapped to
one of those files, or to a document the caller fetched itself (e.g. the QGIS extension
schema that QGIS Server serves); a URL with neither is an error, never a download.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import mapproxy
from lxml import etree

SCHEMAS_DIR = Path(mapproxy.__file__).parent / "test" / "schemas"
OGC_SCHEMAS_URL = "http://schemas.opengis.net/"
# A URL outside schemas.opengis.net that OGC schemas import (the xml: attributes).
W3C_COPIES = {"http://www.w3.org/2001/xml.xsd": SCHEMAS_DIR / "xml.xsd"}
XSI_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


class NoLocalCopyError(Exception):
    """A schema URL that has no local copy: validating would need the network."""


def local_copy(url: str) -> Path:
    """The local file for a schema URL, a file:// URL or a path inside SCHEMAS_DIR."""
    if url in W3C_COPIES:
        return W3C_COPIES[url]
    if url.startswith(OGC_SCHEMAS_URL):
        path = SCHEMAS_DIR / url.removeprefix(OGC_SCHEMAS_URL)
    else:
        # Relative imports inside a local schema reach the resolver as absolute paths.
        path = Path(url.removeprefix("file://"))
    if path.is_absolute() and path.resolve().is_relative_to(SCHEMAS_DIR.resolve()) and path.is_file():
        return path
    raise NoLocalCopyError(f"no local copy of {url} (looked in {SCHEMAS_DIR})")


class OfflineResolver(etree.Resolver):
    """Resolves schema URLs to local files or caller-supplied documents, and records misses.

    lxml swallows exceptions raised in a resolver, so a miss is recorded and raised by
    `raise_misses` once parsing is over.
    """

    def __init__(self, documents: Mapping[str, bytes]) -> None:
        super().__init__()
        self.documents = documents
        self.misses: list[str] = []

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        if url in self.documents:
            return self.resolve_string(self.documents[url], context, base_url=url)
        try:
            return self.resolve_filename(str(local_copy(url)), context)
        except NoLocalCopyError:
            self.misses.append(url)
            # Answering with an empty document keeps libxml2 from fetching the URL itself.
            return self.resolve_string(b"", context)

    def raise_misses(self) -> None:
        if self.misses:
            raise NoLocalCopyError(
                f"no local copy of {', '.join(sorted(set(self.misses)))} (in {SCHEMAS_DIR})"
            )


def parse(body: bytes) -> etree._ElementTree:
    """Parse a response without loading its DTD, external entities or anything remote."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.fromstring(body, parser).getroottree()


def schema_locations(document: etree._ElementTree) -> list[tuple[str, str]]:
    """(namespace, schema URL) pairs of the root's xsi:schemaLocation."""
    words = (document.getroot().get(XSI_SCHEMA_LOCATION) or "").split()
    if len(words) % 2:
        raise ValueError(f"xsi:schemaLocation has an odd number of words: {words}")
    return list(zip(words[0::2], words[1::2], strict=True))


def xsd_errors(
    document: etree._ElementTree,
    documents: Mapping[str, bytes] | None = None,
    locations: Sequence[tuple[str, str]] | None = None,
) -> list[str]:
    """Validate against every schema of the document's xsi:schemaLocation; the errors, if any.

    documents maps URLs without a local copy (a server's own extension schema) to their bytes;
    locations replaces xsi:schemaLocation, for documents that name no schema.
    """
    locations = locations or schema_locations(document)
    if not locations:
        raise ValueError("the document names no schema (no xsi:schemaLocation)")
    # One schema that imports them all, so that every namespace of the document is known.
    imports = "".join(
        f"<xs:import namespace={quoteattr(namespace)} schemaLocation={quoteattr(url)}/>"
        for namespace, url in locations
    )
    wrapper = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    resolver = OfflineResolver(documents or {})
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(resolver)
    try:
        schema = etree.XMLSchema(etree.fromstring(wrapper.encode(), parser))
    finally:
        resolver.raise_misses()
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def dtd_errors(document: etree._ElementTree, system_url: str | None = None) -> list[str]:
    """Validate against the local copy of the DTD the document's DOCTYPE names (or system_url,
    for documents without a DOCTYPE); the errors, if any."""
    system_url = system_url or document.docinfo.system_url
    if not system_url:
        raise ValueError("the document has no DOCTYPE with a SYSTEM identifier")
    dtd = etree.DTD(str(local_copy(system_url)))
    if dtd.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in dtd.error_log]
