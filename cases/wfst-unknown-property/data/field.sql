-- The production table, as `pg_dump --format=plain --no-owner -t public.observations field`
-- would write it (trimmed to three rows).
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;
CREATE TABLE public.observations (
    id integer NOT NULL,
    observer text,
    note text,
    geom public.geometry(Point,4326)
);
CREATE SEQUENCE public.observations_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.observations_id_seq OWNED BY public.observations.id;
ALTER TABLE ONLY public.observations ALTER COLUMN id SET DEFAULT nextval('public.observations_id_seq'::regclass);
COPY public.observations (id, observer, note, geom) FROM stdin;
1	ana	heron at the weir	0101000020E610000033333333333318406666666666D64840
2	ben	fallen tree on the path	0101000020E61000009A99999999991840CDCCCCCCCCCC4840
3	ana	fence broken	0101000020E6100000CDCCCCCCCC0C18409A99999999D94840
\.
SELECT pg_catalog.setval('public.observations_id_seq', 3, true);
ALTER TABLE ONLY public.observations ADD CONSTRAINT observations_pkey PRIMARY KEY (id);
