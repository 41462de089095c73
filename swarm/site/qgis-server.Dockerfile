# The deployable QGIS Server: the stack's image (with the demo's script and raster) plus
# the site's plugins and projects, so nothing is mounted from a checkout on a swarm node.
# Built by `make deploy` / `make bundle` from a context holding plugins/ and projects/
# (copies of STACK_PLUGINS_DIR and STACK_PROJECTS_DIR) and this folder's scripts.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY --chown=root:root plugins/ /srv/qgis/plugins/
COPY --chown=root:root projects/ /srv/qgis/projects/
COPY --chown=root:root qgis-server-site-entrypoint.sh /usr/local/bin/qgis-server-site-entrypoint
COPY --chown=root:root qgis-server-site-defaults.env /usr/local/lib/qgis-stack/site-defaults.env
ENTRYPOINT ["qgis-server-site-entrypoint"]
CMD ["serve"]
