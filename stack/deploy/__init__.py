"""Running the stack: compose, start/stop, containers and their workers, health."""
