"""The test harness: a client per role, OGC helpers, PostGIS cross-checks, images, schemas,
known bugs, failure diagnostics and the pytest plugin (entry point `qgis_stack`)."""
