"""Production sources → local ones: paths, pg_service names, hosts; and what cannot resolve."""

from pathlib import Path

import pytest

from stack.repro.case import Case, CaseError
from stack.repro.sources import LayerSource, check_layers, local_source


@pytest.fixture
def case(tmp_path: Path) -> Case:
    folder = tmp_path / "roads"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "roads.gpkg").write_bytes(b"")
    (folder / "local.tif").write_bytes(b"")
    return Case(
        folder=folder,
        name="roads",
        project=folder / "roads.qgs",
        services=("prod-gis",),
        hosts=("db.example.org",),
        paths={"/srv/gis": folder / "data"},
    )


def layer(provider: str, source: str, name: str = "roads") -> LayerSource:
    return LayerSource("id1", name, provider, source)


def test_a_mapped_absolute_path_moves_into_the_staged_case(case: Case) -> None:
    source = local_source(case, layer("ogr", "/srv/gis/roads.gpkg|layername=roads"))

    assert source == "/srv/qgis/repro/roads/data/roads.gpkg|layername=roads"


def test_a_prefix_maps_only_whole_folders(case: Case) -> None:
    assert local_source(case, layer("ogr", "/srv/gisdata/x.gpkg")) == "/srv/gisdata/x.gpkg"


def test_a_service_is_kept_and_ssl_dropped(case: Case) -> None:
    source = local_source(
        case, layer("postgres", "service='prod-gis' sslmode=require key='id' table=\"a\".\"b\" (geom)")
    )

    assert source == "service='prod-gis' key='id' table=\"a\".\"b\" (geom)"


def test_a_host_becomes_the_case_service_without_credentials(case: Case) -> None:
    source = local_source(
        case,
        layer(
            "postgres",
            "dbname='x' host=db.example.org port=5432 user='u' password='p w' key='id' table=\"t\" (geom)",
        ),
    )

    assert source == "service='repro-roads' key='id' table=\"t\" (geom)"


def test_sources_that_resolve_pass(case: Case) -> None:
    check_layers(
        case,
        case.folder,
        [
            layer("ogr", "/srv/gis/roads.gpkg|layername=roads"),
            layer("gdal", "./local.tif"),
            layer("postgres", "service='prod-gis' table=\"t\" (geom)"),
            layer("wms", "url=https://example.org/wms"),
        ],
    )


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (
            layer("ogr", "/mnt/share/other.gpkg|layername=x", "other"),
            "layer 'other' (ogr: /mnt/share/other.gpkg|layername=x) reads /mnt/share/other.gpkg, "
            "outside the case",
        ),
        (layer("ogr", "/srv/gis/missing.gpkg", "gone"), "layer 'gone'"),
        (layer("postgres", "service='crm' password=secret table=\"t\"", "crm"), "names pg_service 'crm'"),
        (
            layer("postgres", 'host=other.example.org dbname=x table="t"', "far"),
            "names database host 'other.example.org'",
        ),
        (layer("gdal", "../outside.tif", "up"), "outside the case folder"),
    ],
)
def test_a_layer_that_cannot_resolve_is_named_with_its_source(
    case: Case, source: LayerSource, says: str
) -> None:
    with pytest.raises(CaseError) as error:
        check_layers(case, case.folder, [source])

    assert says in str(error.value)
    assert "secret" not in str(error.value)
