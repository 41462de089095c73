-- An editable demo layer: WFS-T tests insert, update and delete here (and restore it).
CREATE TABLE demo.observations (
    id serial PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL DEFAULT 'sighting',
    observed_on date NOT NULL DEFAULT current_date,
    geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX observations_geom_idx ON demo.observations USING gist (geom);
COMMENT ON TABLE demo.observations IS 'Editable through WFS-T in the demo project';

INSERT INTO demo.observations (name, kind, observed_on, geom) VALUES
    ('Heron at the Sûre', 'sighting', '2024-05-01', ST_SetSRID(ST_MakePoint(6.13, 49.61), 4326)),
    ('Flooded path', 'hazard', '2024-05-02', ST_SetSRID(ST_MakePoint(6.02, 49.75), 4326)),
    ('Orchid meadow', 'sighting', '2024-05-03', ST_SetSRID(ST_MakePoint(5.95, 49.52), 4326));
