"""What the demo project holds: layer names, PostGIS tables, colours at known places."""

from stack.harness.images import hex_rgb

VECTOR_LAYERS = {  # WMS/WFS layer name → PostGIS table
    "ocean": "demo.ocean",
    "countries": "demo.countries",
    "provinces": "demo.provinces",
    "rivers": "demo.rivers",
    "places": "demo.places",
    "observations": "demo.observations",
}
EDITABLE_LAYER = "observations"  # the only layer the project opens to WFS-T (insert, update, delete)
RASTER_LAYERS = {"elevation"}
ALL_LAYERS = set(VECTOR_LAYERS) | RASTER_LAYERS

# Fill colours of demo.qgs (qgis-server/demo/make_demo_project.py).
OCEAN = hex_rgb("#a5cdeb")
LAND = hex_rgb("#efe6cf")

# (lon, lat) well inside one fill, away from borders, rivers and islands.
OPEN_OCEAN = [(-30.0, -20.0), (-150.0, 10.0), (80.0, -30.0)]
INLAND = [(134.0, -25.0), (-55.0, -10.0), (100.0, 62.0)]

# A small raw GetMap of the whole world's countries (WMS 1.3.0: EPSG:4326 BBOX is lat/lon).
WORLD_COUNTRIES_GETMAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "LAYERS": "countries",
    "STYLES": "",
    "CRS": "EPSG:4326",
    "BBOX": "-90,-180,90,180",
    "WIDTH": "200",
    "HEIGHT": "100",
    "FORMAT": "image/png",
}
