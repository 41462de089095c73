"""What the stack refuses before QGIS reads it: the shared refusal table and its renderings."""
