"""Shared code of the stack's server plugins: a library, not a plugin.

QGIS loads only folders with a metadata.txt as plugins; this one has none. The image ships
it beside stack_guard, on the plugin path (QGIS_PLUGINPATH) that QGIS also puts on
sys.path, so the built-in plugin, the mounted plugins and yours import it as
`stack_plugin_kit`. Copy it along with a plugin you take to a server without this image.
"""
