"""make bench: figures for the stack, side by side."""
