-- Fresh statistics so QGIS's estimated extents and the planner see the loaded rows.
ANALYZE demo.ocean;
ANALYZE demo.countries;
ANALYZE demo.provinces;
ANALYZE demo.rivers;
ANALYZE demo.places;
ANALYZE demo.observations;
