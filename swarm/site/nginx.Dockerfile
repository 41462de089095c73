# The deployable nginx: the stack's image plus TLS in front of its server and the names of
# the site's projects (nginx maps /ows/<name> to a file that must exist; QGIS reads its
# own copy in the qgis-server-site image).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY --chown=root:root projects/ /srv/qgis/projects/
COPY --chown=root:root nginx-tls.conf.template /etc/qgis-stack/nginx-tls.conf.template
COPY --chown=root:root nginx-site-entrypoint.sh /usr/local/bin/nginx-site-entrypoint
USER root
# The demo project is written by each QGIS replica at start; nginx only needs its name.
# The htpasswd secret arrives under /run/secrets; nginx-entrypoint reads it here.
RUN install -d /srv/qgis/demo && touch /srv/qgis/demo/demo.qgs \
    && ln -sf /run/secrets/htpasswd /etc/qgis-stack/htpasswd
USER www-data
EXPOSE 8443 8081
# Healthy = nginx itself answers. Not /healthz: on a swarm that would make every nginx
# task be replaced whenever QGIS is briefly away, while nginx can still answer 502s.
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/"]
ENTRYPOINT ["nginx-site-entrypoint"]
CMD ["nginx"]
