"""The rules file on disk: loaded at first use, reloaded when it changes, fail closed.

current() costs one stat() when nothing changed, so the access filter may call it for
every layer check. An unreadable or invalid file gives None (deny everything) and one
error message per change of the file, not one per check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .rules import Rules, RulesError, parse_rules

try:
    import yaml

    YAML_ERRORS: tuple[type[Exception], ...] = (yaml.YAMLError,)
except ImportError:  # JSON still works; a .yaml file then fails closed with a clear error
    yaml = None
    YAML_ERRORS = ()

# (mtime in ns, size, inode): an editor's save-by-rename changes the inode even when the
# new file has the same size and mtime granularity hides the change.
Signature = tuple[int, int, int]


class RulesStore:
    def __init__(self, path: Path, on_error: Callable[[str], None], on_load: Callable[[str], None]) -> None:
        self.path = path
        self._on_error = on_error
        self._on_load = on_load
        self._signature: Signature | None = None
        self._rules: Rules | None = None
        self._last_error = ""

    @property
    def version(self) -> str:
        """Changes whenever the file does: part of the capabilities cache key."""
        return "-".join(map(str, self._signature)) if self._signature else "none"

    def current(self) -> Rules | None:
        try:
            stat = self.path.stat()
        except OSError as error:
            self._fail(f"cannot read access rules {self.path}: {error.strerror or error}")
            self._signature, self._rules = None, None
            return None
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if signature != self._signature:
            self._signature = signature
            self._rules = self._load()
        return self._rules

    def _load(self) -> Rules | None:
        try:
            rules = parse_rules(self._read_document())
        except (OSError, ValueError, *YAML_ERRORS) as error:  # RulesError and JSON errors are ValueErrors
            # YAML errors span lines (a caret under the mistake): one log line is enough.
            self._fail(f"invalid access rules {self.path}: {' '.join(str(error).split())}")
            return None
        self._last_error = ""
        self._on_load(f"loaded access rules {self.path}: roles {sorted(rules.roles)}")
        return rules

    def _read_document(self) -> object:
        text = self.path.read_text(encoding="utf-8")
        if self.path.suffix.lower() == ".json":
            return json.loads(text)
        if yaml is None:
            raise RulesError("PyYAML is not installed in this image: write the rules as a .json file")
        return yaml.safe_load(text)

    def _fail(self, message: str) -> None:
        if message != self._last_error:
            self._last_error = message
            self._on_error(message + " — denying every layer to every role until it is fixed")
