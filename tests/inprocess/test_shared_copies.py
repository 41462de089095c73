"""The modules every stack plugin ships a copy of must not drift apart."""

from __future__ import annotations

import unittest
from collections import defaultdict
from pathlib import Path

import harness

SHARED = ("headers.py", "safe_filter.py")


class SharedCopiesTest(unittest.TestCase):
    def test_the_copies_are_identical(self) -> None:
        copies: dict[str, dict[bytes, list[str]]] = defaultdict(lambda: defaultdict(list))
        for directory in harness.PLUGIN_DIRS:
            for name in SHARED:
                for path in Path(directory).glob(f"*/{name}"):
                    copies[name][path.read_bytes()].append(str(path))

        for name, versions in copies.items():
            with self.subTest(name):
                self.assertEqual(len(versions), 1, f"{name} differs between: {list(versions.values())}")


if __name__ == "__main__":
    unittest.main()
