"""stack_access through QGIS Server: the shipped example rules on a demo-like project."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import unittest
from pathlib import Path

import harness
from harness import getmap_query, request, wfs_features, wfs_insert_point

EDITOR = {"X-Qgis-Stack-Role": "editor"}
CAPABILITIES = "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"


def layer_names_in_capabilities(body: bytes) -> set[str]:
    text = body.decode()
    return {part.split("</Name>")[0] for part in text.split("<Name>")[1:]}


def replace_file(path: Path, text: str) -> None:
    """Write next to it and rename, as editors and config tools do; the mtime moves on."""
    staging = path.with_suffix(".tmp")
    staging.write_text(text)
    future = time.time() + 2  # make the change visible even on a coarse-mtime filesystem
    os.utime(staging, (future, future))
    staging.replace(path)


class AccessControlTest(harness.PluginTestCase):
    @classmethod
    def set_up_plugins(cls) -> None:
        cls.rules_dir = Path(tempfile.mkdtemp(prefix="stack-access-"))
        cls.rules = cls.rules_dir / "access-rules.yaml"
        example = harness.FIXTURES / "access-rules.yaml"
        cls.example_text = example.read_text()
        cls.rules.write_text(cls.example_text)
        with harness.qgis_log():
            cls.load("stack_access", STACK_ACCESS_RULES=str(cls.rules))

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(cls.rules_dir)

    def setUp(self) -> None:
        if self.rules.read_text() != self.example_text:
            replace_file(self.rules, self.example_text)

    # --- visibility ------------------------------------------------------------------

    def test_anonymous_does_not_see_observations_in_capabilities(self) -> None:
        names = layer_names_in_capabilities(request(CAPABILITIES, self.project).body)

        self.assertIn("places", names)
        self.assertIn("countries", names)
        self.assertNotIn("observations", names)

    def test_editor_sees_every_layer(self) -> None:
        names = layer_names_in_capabilities(request(CAPABILITIES, self.project, EDITOR).body)

        self.assertTrue({"observations", "places", "countries"} <= names)

    def test_capabilities_never_mix_roles(self) -> None:
        # Same URL three times: whatever QGIS caches by the filters' cacheKey, each role
        # gets its own layers (an empty key would share one cache across roles).
        first = layer_names_in_capabilities(request(CAPABILITIES, self.project).body)
        editor = layer_names_in_capabilities(request(CAPABILITIES, self.project, EDITOR).body)
        again = layer_names_in_capabilities(request(CAPABILITIES, self.project).body)

        self.assertNotIn("observations", first)
        self.assertIn("observations", editor)
        self.assertEqual(first, again)

    def test_a_hidden_layer_is_refused_by_getmap_and_getfeature(self) -> None:
        getmap = request(getmap_query("observations"), self.project)
        getfeature = wfs_features("observations", self.project)

        self.assertEqual(getmap.status, 403, getmap.text)
        self.assertIn('code="Security"', getmap.text)
        self.assertEqual(getfeature.status, 403, getfeature.text)

    def test_the_header_name_is_case_insensitive(self) -> None:
        response = wfs_features("observations", self.project, {"x-qgis-stack-role": "editor"})

        self.assertEqual(response.status, 200, response.text)

    def test_under_fastcgi_the_role_comes_from_the_request_environment(self) -> None:
        # FastCGI passes X-Qgis-Stack-Role as HTTP_X_QGIS_STACK_ROLE, which QGIS does not
        # copy into the request's headers; os.environ writes reach the C environment.
        os.environ["HTTP_X_QGIS_STACK_ROLE"] = "editor"
        try:
            response = wfs_features("observations", self.project)
        finally:
            del os.environ["HTTP_X_QGIS_STACK_ROLE"]

        self.assertEqual(response.status, 200, response.text)

    # --- filters of the client ------------------------------------------------------

    def test_a_filter_on_a_hidden_attribute_is_refused_before_qgis_runs_it(self) -> None:
        getfeature = "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=countries"
        for name in ("EXP_FILTER", "exp_filter"):
            query = f"{getfeature}&{name}=%22wb_a3%22%3D%27NOR%27"
            response = request(query, self.project)
            self.assertEqual(response.status, 400, response.text)
            self.assertIn("not available", response.text)

    def test_functions_off_the_allow_list_are_refused_to_the_editor_too(self) -> None:
        for expression in (
            "env(%27HOME%27)%20IS%20NOT%20NULL",
            "aggregate(%27places%27,%27count%27,%22name%22)>0",
        ):
            query = f"SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=countries&EXP_FILTER={expression}"
            response = request(query, self.project, EDITOR)
            self.assertEqual(response.status, 400, response.text)
            self.assertIn("may not be used", response.text)

    def test_the_schema_lists_no_hidden_attribute(self) -> None:
        query = "SERVICE=WFS&VERSION=1.1.0&REQUEST=DescribeFeatureType&TYPENAME=countries"

        anonymous = request(query, self.project).text
        editor = request(query, self.project, EDITOR).text

        self.assertIn("wb_a3", editor)
        self.assertNotIn("wb_a3", anonymous)
        self.assertIn("iso_a3", anonymous)

    # --- rows and attributes ---------------------------------------------------------

    def test_anonymous_sees_only_big_places(self) -> None:
        features = wfs_features("places", self.project).json()["features"]

        self.assertEqual({f["properties"]["name"] for f in features}, {"Midtown", "Megacity"})

    def test_editor_sees_every_place(self) -> None:
        features = wfs_features("places", self.project, EDITOR).json()["features"]

        self.assertEqual(len(features), len(harness.PLACES))

    def test_anonymous_gets_countries_without_the_hidden_attributes(self) -> None:
        anonymous = wfs_features("countries", self.project).json()["features"][0]["properties"]
        editor = wfs_features("countries", self.project, EDITOR).json()["features"][0]["properties"]

        self.assertEqual(set(anonymous), {"name", "iso_a3"})
        self.assertEqual(set(editor), {"name", "iso_a3", "wb_a2", "wb_a3"})

    def test_getfeatureinfo_hides_the_attributes_too(self) -> None:
        query = harness.getfeatureinfo_query("countries", 50, 50, "application/json")

        properties = request(query, self.project).json()["features"][0]["properties"]

        self.assertNotIn("wb_a2", properties)
        self.assertIn("name", properties)

    # --- WFS-T -------------------------------------------------------------------------

    def test_editor_may_insert_observations(self) -> None:
        response = request(
            "SERVICE=WFS&VERSION=1.0.0&REQUEST=Transaction",
            self.project,
            EDITOR,
            wfs_insert_point("observations", 4, 4, "Kingfisher"),
        )

        self.assertEqual(response.status, 200, response.text)
        self.assertIn("SUCCESS", response.text)

    def test_editor_may_not_edit_a_layer_without_edit_rights(self) -> None:
        response = request(
            "SERVICE=WFS&VERSION=1.0.0&REQUEST=Transaction",
            self.project,
            EDITOR,
            wfs_insert_point("places", 4, 4, "Newtown"),
        )

        self.assertEqual(response.status, 403, response.text)

    def test_anonymous_may_not_edit(self) -> None:
        response = request(
            "SERVICE=WFS&VERSION=1.0.0&REQUEST=Transaction",
            self.project,
            None,
            wfs_insert_point("observations", 4, 4, "Spoof"),
        )

        self.assertEqual(response.status, 403, response.text)

    # --- least privilege and failing closed -------------------------------------------

    def test_an_unknown_role_sees_nothing(self) -> None:
        with harness.qgis_log() as log:
            names = layer_names_in_capabilities(
                request(CAPABILITIES, self.project, {"X-Qgis-Stack-Role": "intruder"}).body
            )
            places = wfs_features("places", self.project, {"X-Qgis-Stack-Role": "intruder"})

        self.assertFalse({"observations", "places", "countries"} & names)
        self.assertEqual(places.status, 403)
        self.assertIn("role 'intruder' is not in", log.text("stack_access"))

    def test_an_edited_rules_file_applies_at_the_next_request(self) -> None:
        replace_file(self.rules, self.example_text.replace('pop_max" > 1000000', 'pop_max" > 10000000'))

        features = wfs_features("places", self.project).json()["features"]

        self.assertEqual([f["properties"]["name"] for f in features], ["Megacity"])

    def test_a_missing_rules_file_denies_everything_and_says_why(self) -> None:
        self.rules.unlink()
        try:
            with harness.qgis_log() as log:
                response = wfs_features("places", self.project, EDITOR)
                names = layer_names_in_capabilities(request(CAPABILITIES, self.project, EDITOR).body)
        finally:
            self.rules.write_text(self.example_text)

        self.assertEqual(response.status, 403)
        self.assertFalse({"observations", "places", "countries"} & names)
        self.assertIn(f"cannot read access rules {self.rules}", log.text("stack_access"))
        self.assertIn("denying every layer", log.text("stack_access"))

    def test_an_invalid_rules_file_denies_everything_and_names_the_mistake(self) -> None:
        replace_file(self.rules, self.example_text.replace("hidden_attributes:", "hiden_attributes:"))

        with harness.qgis_log() as log:
            response = wfs_features("countries", self.project)
            second = wfs_features("countries", self.project)

        self.assertEqual((response.status, second.status), (403, 403))
        errors = [m for t, _, m in log.messages if t == "stack_access" and "invalid access rules" in m]
        self.assertEqual(len(errors), 1, "one message per broken file, not one per check")
        self.assertIn("roles.anonymous.layers.countries: unknown key(s) ['hiden_attributes']", errors[0])

    def test_a_yaml_syntax_error_fails_closed(self) -> None:
        replace_file(self.rules, "roles: [unclosed\n")

        with harness.qgis_log() as log:
            response = wfs_features("places", self.project, EDITOR)

        self.assertEqual(response.status, 403)
        self.assertIn("invalid access rules", log.text("stack_access"))

    def test_the_worker_recovers_when_the_file_is_fixed(self) -> None:
        replace_file(self.rules, "not: [valid")
        self.assertEqual(wfs_features("places", self.project).status, 403)

        replace_file(self.rules, self.example_text)

        self.assertEqual(wfs_features("places", self.project).status, 200)


if __name__ == "__main__":
    unittest.main()
