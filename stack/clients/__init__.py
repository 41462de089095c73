"""The clients users point at the stack (QGIS's own providers, GDAL/OGR), run as clients."""
