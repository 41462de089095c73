"""Shared code of the stack's server plugins: a library, not a plugin.

QGIS loads only folders with a metadata.txt as plugins; this one has none. Its folder is on
the plugin path, so plugins import it as `stack_plugin_kit`. Copy it along with a plugin
you take elsewhere.
"""
