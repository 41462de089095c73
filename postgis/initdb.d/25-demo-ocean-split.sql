-- Natural Earth's ocean is mostly one polygon around the whole globe (60,351 vertices).
-- QGIS cannot reproject that into national CRSs such as EPSG:27700 or EPSG:3035 and drops
-- it, leaving the sea unpainted; pieces of at most 256 vertices reproject, index and
-- render well. The attributes stay with every piece.
ALTER TABLE demo.ocean RENAME TO ocean_source;
ALTER INDEX demo.ocean_pk RENAME TO ocean_source_pk;
ALTER INDEX demo.ocean_geom_geom_idx RENAME TO ocean_source_geom_idx;

CREATE TABLE demo.ocean AS
SELECT row_number() OVER (ORDER BY piece.source_id, piece.geom)::integer AS id, piece.*
FROM (
    SELECT s.id AS source_id,
           ST_Multi(ST_Subdivide(s.geom, 256))::geometry(MultiPolygon, 4326) AS geom,
           s.scalerank, s.featurecla, s.name, s.name_alt, s.note, s.admin
    FROM demo.ocean_source AS s
) AS piece;

ALTER TABLE demo.ocean ADD CONSTRAINT ocean_pk PRIMARY KEY (id);
CREATE INDEX ocean_geom_geom_idx ON demo.ocean USING gist (geom);
DROP TABLE demo.ocean_source;
