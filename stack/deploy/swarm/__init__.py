"""The stack on Docker Swarm: site images, bundles, TLS, `make deploy` and the test nodes."""
