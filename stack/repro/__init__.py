"""make repro: a production case (project, data, failing requests) replayed at QGIS versions."""
