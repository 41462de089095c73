"""qgis-stack: the CLI behind the Makefile and the harness library behind tests/."""

__version__ = "0.1.0"
