"""Production file paths as real projects write them: which file a source reads, and
prefixes mapped into the staged case (Windows drives, file: URIs, GDAL sub-datasets,
SpatiaLite, archives, and paths outside datasources)."""

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from stack.repro.case import Case, CaseError, load_case
from stack.repro.paths import source_file
from stack.repro.sources import LayerSource, check_layers, map_paths
from stack.repro.stage import rewrite, unmapped_paths

STAGED = "/srv/qgis/repro/roads"


@pytest.fixture
def case(tmp_path: Path) -> Case:
    folder = tmp_path / "roads"
    (folder / "data").mkdir(parents=True)
    for name in ("roads.gpkg", "points.csv", "shop.sqlite", "sheets.zip", "x.gpkg"):
        (folder / "data" / name).write_bytes(b"")
    return Case(
        folder=folder,
        name="roads",
        project=folder / "roads.qgs",
        paths={
            "/home/ale/dev/QGIS/tests/testdata": folder / "data",
            "C:\\Users\\gis\\Projekte": folder / "data",
            "//fileserver/gis": folder / "data",
        },
    )


@pytest.mark.parametrize(
    ("provider", "source", "path"),
    [
        ("ogr", '/a/b.gpkg|layername=roads|subset="x" = 1', "/a/b.gpkg"),
        ("gdal", "GPKG:./x.gpkg:osm", "./x.gpkg"),
        ("gdal", "GPKG:/a/x.gpkg:osm", "/a/x.gpkg"),
        ("gdal", 'NETCDF:"/a/x.nc":temp', "/a/x.nc"),
        ("delimitedtext", "file:///a/my%20points.csv?type=csv&xField=x", "/a/my points.csv"),
        ("delimitedtext", "file:///C:/gis/p.csv?type=csv", "C:/gis/p.csv"),
        ("delimitedtext", "file:./p.csv?type=csv", "./p.csv"),
        ("spatialite", "dbname='./edition/db.sqlite' table=\"t\" (geom)", "./edition/db.sqlite"),
        ("ogr", "/vsizip//a/sheets.zip/roads.shp", "/a/sheets.zip"),
        ("ogr", "C:\\data\\roads.shp", "C:\\data\\roads.shp"),
    ],
)
def test_the_file_a_source_reads(provider: str, source: str, path: str) -> None:
    assert source_file(provider, source) == path


@pytest.mark.parametrize(
    ("source", "mapped"),
    [
        ("C:/Users/gis/Projekte/roads.gpkg|layername=r", f"{STAGED}/data/roads.gpkg|layername=r"),
        (
            "c:\\users\\gis\\projekte\\sub\\roads.gpkg|layername=r",
            f"{STAGED}/data/sub/roads.gpkg|layername=r",
        ),
        ("file:///C:/Users/gis/Projekte/points.csv?type=csv", f"file://{STAGED}/data/points.csv?type=csv"),
        ("//fileserver/gis/roads.gpkg", f"{STAGED}/data/roads.gpkg"),
        (
            "GPKG:/home/ale/dev/QGIS/tests/testdata/x.gpkg:osm",
            f"GPKG:{STAGED}/data/x.gpkg:osm",
        ),
        (
            "dbname='/home/ale/dev/QGIS/tests/testdata/shop.sqlite' table=\"t\"",
            f"dbname='{STAGED}/data/shop.sqlite' table=\"t\"",
        ),
        ("/home/ale/dev/QGIS/tests/testdata2/x.gpkg", "/home/ale/dev/QGIS/tests/testdata2/x.gpkg"),
        (
            "/elsewhere/home/ale/dev/QGIS/tests/testdata/x.gpkg",
            "/elsewhere/home/ale/dev/QGIS/tests/testdata/x.gpkg",
        ),
    ],
)
def test_windows_shares_uris_and_subdatasets_are_mapped(case: Case, source: str, mapped: str) -> None:
    assert map_paths(case, source) == mapped


def test_mapped_sources_of_every_kind_resolve(case: Case) -> None:
    check_layers(
        case,
        case.folder,
        [
            LayerSource("1", "a", "gdal", "GPKG:/home/ale/dev/QGIS/tests/testdata/x.gpkg:osm"),
            LayerSource("2", "b", "delimitedtext", "file:///C:/Users/gis/Projekte/points.csv?type=csv"),
            LayerSource("3", "c", "spatialite", "dbname='./data/shop.sqlite' table=\"t\" (geom)"),
            LayerSource("4", "d", "ogr", "/vsizip//home/ale/dev/QGIS/tests/testdata/sheets.zip/roads.shp"),
            LayerSource("5", "e", "gdal", "GPKG:./data/x.gpkg:osm"),
        ],
    )


PROJECT = """<qgis>
 <layer-tree-group>
  <layer-tree-layer id="l1" providerKey="ogr"
    source="/home/ale/dev/QGIS/tests/testdata/roads.gpkg|layername=r"/>
 </layer-tree-group>
 <projectlayers><maplayer><id>l1</id><provider>ogr</provider>
  <datasource>./data/roads.gpkg|layername=r</datasource>
  <symbol><prop k="name" v="C:\\Users\\gis\\Projekte\\marker.svg"/>
   <prop k="name" v="/mnt/styles/a.svg"/></symbol>
 </maplayer></projectlayers>
 <Layouts><Layout><Atlas coverageLayer="l1"
   coverageLayerSource="/home/ale/dev/QGIS/tests/testdata/roads.gpkg|layername=r"/></Layout></Layouts>
</qgis>"""


def test_paths_outside_datasources_move_too_and_the_rest_is_listed(case: Case) -> None:
    root = etree.fromstring(PROJECT)

    rewrite(case, root)

    text = etree.tostring(root, encoding="unicode")
    assert f'coverageLayerSource="{STAGED}/data/roads.gpkg|layername=r"' in text
    assert f'v="{STAGED}/data/marker.svg"' in text
    assert "<datasource>./data/roads.gpkg|layername=r</datasource>" in text
    assert unmapped_paths(root) == ["/mnt/styles/a.svg"]


def test_a_relative_path_out_of_the_project_folder_maps_like_a_prefix(case: Case) -> None:
    (case.folder / "shared").mkdir()
    (case.folder / "shared" / "dem.tif").write_bytes(b"")
    outside = [LayerSource("1", "dem", "gdal", "../shared/dem.tif")]
    with pytest.raises(CaseError) as error:
        check_layers(case, case.folder, outside)
    assert '[paths] "../shared" = "shared"' in str(error.value)

    mapped = replace(case, paths={"../shared": case.folder / "shared"})

    check_layers(mapped, case.folder, outside)
    assert map_paths(mapped, "../shared/dem.tif") == f"{STAGED}/shared/dem.tif"


def test_a_case_with_rules_of_its_own_runs_the_stack_under_them(tmp_path: Path) -> None:
    folder = tmp_path / "print-roles"
    folder.mkdir()
    (folder / "p.qgs").write_text("<qgis/>")
    (folder / "rules.yaml").write_text("roles: {}\n")
    (folder / "case.toml").write_text('[access]\nrules = "rules.yaml"\n[stack]\nQGIS_WORKERS = "2"\n')

    case = load_case(folder)

    assert case.environment == {
        "QGIS_WORKERS": "2",
        "STACK_ACCESS_RULES": "/srv/qgis/repro/print-roles/rules.yaml",
    }
    (folder / "case.toml").write_text("")
    assert load_case(folder).environment == {"STACK_ACCESS_RULES": "/etc/qgis-stack/access/rules.yaml"}
