#!/usr/bin/env python3
"""Write the empty project that health requests run against (at image build time).

OWS services, custom ones included, need a project. An empty one keeps the health check
independent of user projects and of PostGIS.
"""

import sys

from qgis.core import QgsApplication, QgsProject


def write(target: str) -> bool:
    # The project must be gone before exitQgis(), or the interpreter crashes on exit.
    project = QgsProject()
    project.setTitle("qgis-stack health")
    return project.write(target)


def main(target: str) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    ok = write(target)
    app.exitQgis()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
