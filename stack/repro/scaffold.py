"""`stack repro init`: a case folder with every option shown and explained."""

from __future__ import annotations

import shutil
from pathlib import Path

from stack.repro.case import CASE_FILE, NAME, REQUESTS_FILE, CaseError

CASE_TOML = """# A reproduction case: `make repro CASE={folder} [QGIS=3.22|3.40|3.44|all]`.
# The folder's name is the project name: the case is served at /ows/{name}.

[case]
# The project, next to its file data (.qgs or .qgz). Default: the only one in the folder.
{project_line}
description = "What goes wrong in production, and on which QGIS version."
# versions = ["3.22", "3.40", "3.44"]   # what QGIS=all runs (default: every version)

[database]
# Dumps loaded once into a PostGIS database of this case's own (never the demo's):
# plain SQL (pg_dump --format=plain, .sql) or custom format (pg_dump -Fc, .dump/.backup).
# Make -Fc dumps with pg_dump 15 or older schemas: every version's pg_restore reads them.
dumps = []            # e.g. ["data/production.dump"]
# pg_service names the project's layers use → this case's database (generated entries).
services = []         # e.g. ["prod-gis"]
# Database hosts named by layers that have no service → this case's database.
hosts = []            # e.g. ["db.internal.example.org"]

[paths]
# Production folders the project names → folders inside this case. Windows prefixes
# (either slash, any case), shares and relative prefixes for data beside the project work:
# "/srv/gisdata" = "data"
# "C:/Users/gis/Projects" = "data"
# "//fileserver/gis" = "data"
# "../shared" = "shared"

[access]
# Access rules of this case's own (the format of access/rules.yaml) instead of the demo's;
# the roles are still the demo users: anonymous, editor, partner.
# rules = "rules.yaml"

[stack]
# Stack settings (.env.example) while this case runs, e.g. a short watchdog for a hang:
# QGIS_WORKER_REQUEST_TIMEOUT = "15"
# NGINX_FCGI_READ_TIMEOUT = "10s"
"""

REQUESTS_TXT = """# One request a line, relative to /ows/{name} (from a log: python -m stack repro from-log).
# [GET|POST] TARGET [option=value …]   values with spaces in double quotes
#   name=ID  body=FILE  content-type=TYPE  header="Name: value"  role=editor|partner
#   expect=STATUS  expect-type=CONTENT-TYPE  contains="TEXT"  absent="TEXT"  timeout=SECONDS
#   via=qgis   QGIS alone (no nginx, no stack_guard, no plugins, no roles): what QGIS itself does
# Without expect=, an answer fails when its status is 4xx/5xx or it is a ServiceException.
GET "?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities" name=capabilities
# GET /wfs3/collections.json name=collections
# POST "?SERVICE=WFS&VERSION=1.1.0&REQUEST=Transaction" body=insert.xml role=editor expect=200
# POST "?SERVICE=WFS&VERSION=1.1.0&REQUEST=Transaction" body=insert.xml via=qgis timeout=20
"""


def scaffold(folder: Path, project: Path | None) -> Path:
    if not NAME.match(folder.name):
        raise CaseError(f"{folder}: a case's name is its project name: only A-Z a-z 0-9 _ and -")
    if (folder / CASE_FILE).exists():
        raise CaseError(f"{folder / CASE_FILE} exists: not overwriting it")
    folder.mkdir(parents=True, exist_ok=True)
    project_line = '# project = "my-project.qgz"'
    if project is not None:
        if not project.is_file():
            raise CaseError(f"{project}: no such project file")
        shutil.copy2(project, folder / project.name)
        project_line = f'project = "{project.name}"'
    (folder / CASE_FILE).write_text(
        CASE_TOML.format(folder=folder, name=folder.name, project_line=project_line)
    )
    if not (folder / REQUESTS_FILE).exists():
        (folder / REQUESTS_FILE).write_text(REQUESTS_TXT.format(name=folder.name))
    return folder
