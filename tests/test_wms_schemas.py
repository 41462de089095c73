"""WMS documents against the official OGC schemas, validated offline (stack/schemas.py).

Raw GETs throughout: validation needs the bytes as served, and OWSLib only hands back what
it has parsed and re-serialised.
"""

import copy
import re

import pytest
from lxml import etree

from stack.harness import schemas
from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get

WMS = "http://www.opengis.net/wms"
OGC = "http://www.opengis.net/ogc"
QGIS_WMS = "http://www.qgis.org/wms"  # QGIS's own operations: qgs:GetStyles, qgs:GetPrint
WMS_1_3_0_EXCEPTIONS = "http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd"
WMS_1_1_1_EXCEPTIONS = "http://schemas.opengis.net/wms/1.1.1/WMS_exception_1_1_1.dtd"

# Where QGIS Server's WMS 1.1.1 capabilities break the official DTD, and why. Each pattern
# matches one libxml2 message in full, so that any other error still fails the test.
KNOWN_1_1_1_DEVIATIONS = {
    # WMS 1.3.0's Keyword/@vocabulary (vocabulary="ISO" on infoMapAccessService) leaks into 1.1.1.
    r"No declaration for attribute vocabulary of element Keyword": "Keyword/@vocabulary",
    # The DTD wants DescribeLayer before GetLegendGraphic; QGIS writes them the other way round.
    re.escape(
        "Element Request content does not follow the DTD, expecting (GetCapabilities , GetMap , "
        "GetFeatureInfo? , DescribeLayer? , GetLegendGraphic? , GetStyles? , PutStyles?), got "
        "(GetCapabilities GetMap GetFeatureInfo GetLegendGraphic DescribeLayer GetStyles )"
    ): "Request order",
    # The DTD requires LegendURL's width and height; QGIS cannot know them without drawing the legend.
    r"Element LegendURL does not carry attribute (width|height)": "LegendURL size",
}


def capabilities(stack: StackHandle, version: str) -> etree._ElementTree:
    response = ows_get(stack, {"SERVICE": "WMS", "VERSION": version, "REQUEST": "GetCapabilities"})
    assert response.status_code == 200, response.text[:300]
    return schemas.parse(response.content)


@pytest.fixture(scope="module")
def capabilities_1_3_0(stack: StackHandle) -> etree._ElementTree:
    return capabilities(stack, "1.3.0")


@pytest.fixture(scope="module")
def capabilities_1_1_1(stack: StackHandle) -> etree._ElementTree:
    return capabilities(stack, "1.1.1")


@pytest.fixture(scope="module")
def qgis_extension_schema(stack: StackHandle, capabilities_1_3_0: etree._ElementTree) -> dict[str, bytes]:
    """The schema of QGIS's extra operations, from the server under test (its only copy);
    it imports the WMS schema from schemas.opengis.net, which resolves locally."""
    url = dict(schemas.schema_locations(capabilities_1_3_0))[QGIS_WMS]
    assert url.startswith(stack.ows_url()), f"the QGIS extension schema is not on this server: {url}"
    response = stack.get(url)
    assert response.status_code == 200, response.text[:300]
    return {url: response.content}


@pytest.mark.smoke
def test_wms_1_3_0_capabilities_are_valid(
    capabilities_1_3_0: etree._ElementTree, qgis_extension_schema: dict[str, bytes]
) -> None:
    errors = schemas.xsd_errors(capabilities_1_3_0, qgis_extension_schema)

    # QGIS appends a layer's Attribution, MetadataURL, DataURL and Dimension after its Style
    # and scale denominators, where the XSD wants them before: the demo layers have none, so
    # 3.40 validates. If this fails on one of those, give the demo no such element.
    assert errors == [], "\n".join(errors)


@pytest.mark.smoke
def test_the_qgis_extension_schema_only_adds_operations(qgis_extension_schema: dict[str, bytes]) -> None:
    # It must not weaken the validation above: it may only declare extra operations.
    (body,) = qgis_extension_schema.values()
    schema = schemas.parse(body).getroot()
    elements = schema.findall("{http://www.w3.org/2001/XMLSchema}element")

    assert {element.get("name") for element in elements} >= {"GetStyles", "GetPrint"}
    for element in elements:
        assert element.get("substitutionGroup") == "wms:_ExtendedOperation", etree.tostring(element)
        assert element.get("type") == "wms:OperationType", etree.tostring(element)


@pytest.mark.smoke
def test_the_validator_rejects_a_metadata_url_after_the_styles(
    capabilities_1_3_0: etree._ElementTree, qgis_extension_schema: dict[str, bytes]
) -> None:
    # The ordering QGIS has been known to write: proves the check above would catch it.
    document = copy.deepcopy(capabilities_1_3_0)
    layer = document.find(f".//{{{WMS}}}Layer[{{{WMS}}}Name='countries']")
    assert layer is not None
    metadata_url = etree.SubElement(layer, f"{{{WMS}}}MetadataURL", type="ISO19115:2003")
    etree.SubElement(metadata_url, f"{{{WMS}}}Format").text = "text/xml"
    etree.SubElement(
        metadata_url,
        f"{{{WMS}}}OnlineResource",
        {"{http://www.w3.org/1999/xlink}href": "https://example.org/metadata.xml"},
    )

    errors = schemas.xsd_errors(document, qgis_extension_schema)

    assert any("MetadataURL" in error for error in errors), errors


@pytest.mark.smoke
def test_the_validator_refuses_a_schema_it_has_no_local_copy_of(
    capabilities_1_3_0: etree._ElementTree,
) -> None:
    # Without the extension schema, validating would need the network: it must say so instead.
    with pytest.raises(schemas.NoLocalCopyError, match="GetSchemaExtension"):
        schemas.xsd_errors(capabilities_1_3_0)


@pytest.mark.smoke
def test_wms_1_1_1_capabilities_follow_the_dtd_but_for_known_qgis_deviations(
    capabilities_1_1_1: etree._ElementTree,
) -> None:
    assert capabilities_1_1_1.docinfo.system_url == (
        "http://schemas.opengis.net/wms/1.1.1/WMS_MS_Capabilities.dtd"
    )
    errors = schemas.dtd_errors(capabilities_1_1_1)

    unexpected = [
        error
        for error in errors
        if not any(re.fullmatch(rf"line \d+: {pattern}", error) for pattern in KNOWN_1_1_1_DEVIATIONS)
    ]
    assert unexpected == [], "\n".join(unexpected)


def service_exception_report(stack: StackHandle, version: str) -> etree._ElementTree:
    crs = "CRS" if version == "1.3.0" else "SRS"
    response = ows_get(
        stack,
        {
            "SERVICE": "WMS",
            "VERSION": version,
            "REQUEST": "GetMap",
            "LAYERS": "no_such_layer",
            "STYLES": "",
            crs: "EPSG:3857",
            "BBOX": "0,0,1000,1000",
            "WIDTH": "10",
            "HEIGHT": "10",
            "FORMAT": "image/png",
        },
    )
    assert response.status_code < 500, response.text[:300]
    return schemas.parse(response.content)


@pytest.mark.smoke
def test_a_wms_1_3_0_exception_report_is_valid(stack: StackHandle) -> None:
    # QGIS names no schema in its exception reports: validate against the one WMS 1.3.0 defines.
    report = service_exception_report(stack, "1.3.0")

    assert schemas.xsd_errors(report, locations=[(OGC, WMS_1_3_0_EXCEPTIONS)]) == []


@pytest.mark.smoke
@pytest.mark.xfail(
    strict=True,
    reason="QGIS (3.22 to 3.44) answers WMS 1.1.1 with a 1.3.0 exception report (1.3.0, OGC namespace)",
)
def test_a_wms_1_1_1_exception_report_follows_the_1_1_1_dtd(stack: StackHandle) -> None:
    report = service_exception_report(stack, "1.1.1")

    assert schemas.dtd_errors(report, WMS_1_1_1_EXCEPTIONS) == []
