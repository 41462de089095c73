"""The one exception the CLI turns into a clear message instead of a traceback."""


class StackError(Exception):
    """Something the user can fix; the message says what and how."""
