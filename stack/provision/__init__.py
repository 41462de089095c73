"""Making a host ready: a Docker engine and Compose, base images, secrets on disk."""
