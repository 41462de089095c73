"""stack_access's rules and rules file, without a server: parsing, defaults, reloading."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from pathlib import Path

import harness  # noqa: F401 (puts the plugins on sys.path)
from stack_access.rules import DENY, LayerRule, RulesError, parse_rules
from stack_access.rules_store import RulesStore


class ParseRulesTest(unittest.TestCase):
    def test_a_listed_layer_defaults_to_visible_and_read_only(self) -> None:
        rules = parse_rules({"roles": {"viewer": {"layers": {"roads": None, "rivers": {}}}}})

        self.assertEqual(rules.rule_for("viewer", ["roads"]), LayerRule())
        self.assertEqual(rules.rule_for("viewer", ["rivers"]), LayerRule())

    def test_the_first_matching_name_wins_then_the_wildcard_then_deny(self) -> None:
        rules = parse_rules(
            {
                "roles": {
                    "viewer": {"layers": {"short": {"filter": "a"}, "long name": {"filter": "b"}}},
                    "guest": {"layers": {"*": {"filter": "any"}}},
                }
            }
        )

        self.assertEqual(rules.rule_for("viewer", ["short", "long name"]).filter, "a")
        self.assertEqual(rules.rule_for("viewer", ["", "long name", "id_123"]).filter, "b")
        self.assertIs(rules.rule_for("viewer", ["other"]), DENY)
        self.assertEqual(rules.rule_for("guest", ["other"]).filter, "any")
        self.assertIs(rules.rule_for("nobody", ["short"]), DENY)

    def test_all_keys_are_read(self) -> None:
        rule = parse_rules(
            {
                "roles": {
                    "r": {
                        "layers": {
                            "l": {
                                "visible": True,
                                "filter": ' "pop" > 3 ',
                                "hidden_attributes": ["a", "b"],
                                "edit": ["insert", "delete"],
                            }
                        }
                    }
                }
            }
        ).rule_for("r", ["l"])

        self.assertEqual(
            rule, LayerRule(True, '"pop" > 3', frozenset({"a", "b"}), frozenset({"insert", "delete"}))
        )

    def test_mistakes_are_errors_that_say_where(self) -> None:
        cases = {
            "the rules file: must be a mapping": [],
            "roles: must be a mapping": {"roles": ["editor"]},
            "the rules file: unknown key(s) ['role']": {"role": {}},
            "roles.r: unknown key(s) ['layer']": {"roles": {"r": {"layer": {}}}},
            "roles.r.layers.l.visible: must be true or false": {
                "roles": {"r": {"layers": {"l": {"visible": "no"}}}}
            },
            "roles.r.layers.l.filter: must be a string": {"roles": {"r": {"layers": {"l": {"filter": 3}}}}},
            "roles.r.layers.l.edit: unknown operation(s) ['write']": {
                "roles": {"r": {"layers": {"l": {"edit": ["write"]}}}}
            },
            "roles.r.layers.l.hidden_attributes: must be a list of strings": {
                "roles": {"r": {"layers": {"l": {"hidden_attributes": "secret"}}}}
            },
        }
        for expected, document in cases.items():
            with self.subTest(expected), self.assertRaises(RulesError) as raised:
                parse_rules(document)
            self.assertIn(expected, str(raised.exception))


class RulesStoreTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.errors: list[str] = []
        self.loads: list[str] = []

    def tearDown(self) -> None:
        self.dir.cleanup()

    def store(self, name: str) -> RulesStore:
        return RulesStore(Path(self.dir.name) / name, self.errors.append, self.loads.append)

    def write(self, name: str, text: str, mtime: float) -> None:
        path = Path(self.dir.name) / name
        path.write_text(text)
        os.utime(path, (mtime, mtime))

    def test_json_files_are_read_as_json(self) -> None:
        self.write("rules.json", json.dumps({"roles": {"a": {"layers": {"*": {}}}}}), 1_000)

        rules = self.store("rules.json").current()

        self.assertIsNotNone(rules)
        self.assertEqual(list(rules.roles), ["a"])

    def test_the_file_is_read_again_only_when_it_changes(self) -> None:
        self.write("rules.yaml", "roles: {a: {}}", 1_000)
        store = self.store("rules.yaml")
        first = store.current()
        version = store.version

        self.assertIs(store.current(), first)
        self.write("rules.yaml", "roles: {b: {}}", 2_000)

        self.assertEqual(list(store.current().roles), ["b"])
        self.assertNotEqual(store.version, version)
        self.assertEqual(len(self.loads), 2)

    def test_a_broken_file_is_reported_once_and_denies(self) -> None:
        self.write("rules.yaml", "roles: 3", 1_000)
        store = self.store("rules.yaml")

        self.assertIsNone(store.current())
        self.assertIsNone(store.current())
        self.assertEqual(len(self.errors), 1)
        self.assertIn("roles: must be a mapping", self.errors[0])

    def test_a_missing_file_denies(self) -> None:
        store = self.store("absent.yaml")

        self.assertIsNone(store.current())
        self.assertEqual(store.version, "none")
        self.assertIn("No such file", self.errors[0])


if __name__ == "__main__":
    unittest.main()
