"""What the CLI prints: one prefix, so users can tell our lines from docker's."""

import sys


def say(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)
