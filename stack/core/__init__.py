"""What every part of qgis-stack shares: settings, QGIS versions, errors, output, waiting."""
