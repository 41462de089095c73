-- The demo schema; the tables come from 2x-demo-*.sql.gz, made at image build time.
CREATE SCHEMA IF NOT EXISTS demo;
COMMENT ON SCHEMA demo IS 'qgis-stack demo data: Natural Earth and QGIS world_map (public domain)';
