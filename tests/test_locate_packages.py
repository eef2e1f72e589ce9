"""Installed packages' resources are located in the package, never in the root project.

The manifest names a package resource's files (`original_file_path`, `patch_path`) relative to
the package's own root. They are read where `dbt deps` installed the package (its project name
under the packages install path), a `local:` package's symlink followed to its folder in the
repository; a package that is not installed where dbtgate runs (a CI job that only downloaded
the artifacts) leaves its findings without a file rather than on the root project's file of the
same name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

from cli_support import dbtgate
from policy_support import read_json, write_config

from dbtgate.artifacts.manifest import Macro, Node, TestMetadata
from dbtgate.locate import Location, Locator, ResourceFiles, place_code

ROOT_SCHEMA = """\
version: 2
models:
  - name: orders
    description: the root's own model
  - name: util_numbers
    description: a root entry of the package model's name, in a file of the package's path
"""

PACKAGE_SCHEMA = """\
version: 2
models:
  - name: util_numbers
    columns:
      - name: n
        data_tests:
          - accepted_values:
              values: [1, 2]
"""

CENTS = "{% macro cents_to_dollars(c) %}\n  ({{ c }} / 100)\n{% endmacro %}\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _repo(tmp_path: Path, *, installed: bool = True, project_yml: str = "") -> Path:
    """A git repository with the dbt project in `analytics/`, a local package in
    `pkgs/acme_utils` (installed as dbt deps does: a symlink under dbt_packages/) and a hub
    package copied into dbt_packages/hub_pkg. Both the root and the local package have a
    `models/schema.yml` and a `macros/cents.sql`. Returns the dbt project's folder."""
    repo = tmp_path / "repo"
    project = repo / "analytics"
    project.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _write(project / "dbt_project.yml", f"name: acme\nprofile: acme\n{project_yml}")
    _write(project / "models" / "schema.yml", ROOT_SCHEMA)
    _write(project / "models" / "orders.sql", "select 1 as id\n")
    _write(project / "macros" / "cents.sql", "\n\n\n{% macro other() %}1{% endmacro %}\n")
    package = repo / "pkgs" / "acme_utils"
    _write(package / "dbt_project.yml", "name: acme_utils\n")
    _write(package / "models" / "schema.yml", PACKAGE_SCHEMA)
    _write(package / "models" / "util_numbers.sql", "select 1 as n\n")
    _write(package / "macros" / "cents.sql", CENTS)
    if installed:
        _install(project)
    return project


def _install(project: Path, folder: str = "dbt_packages") -> None:
    installed = project / folder
    installed.mkdir()
    (installed / "acme_utils").symlink_to(Path("../../pkgs/acme_utils"), target_is_directory=True)
    hub = installed / "hub_pkg"
    _write(hub / "dbt_project.yml", "name: hub_pkg\n")
    _write(hub / "models" / "hub_model.sql", "select * from information_schema.schemata\n")


def _util_numbers() -> Node:
    return Node(
        unique_id="model.acme_utils.util_numbers",
        resource_type="model",
        name="util_numbers",
        package_name="acme_utils",
        original_file_path="models/util_numbers.sql",
        patch_path="models/schema.yml",  # `acme_utils://` stripped at load
        fqn=["acme_utils", "util_numbers"],
    )


def _accepted_values() -> Node:
    return Node(
        unique_id="test.acme_utils.accepted_values_util_numbers_n__1__2.b65cdc7d7b",
        resource_type="test",
        name="accepted_values_util_numbers_n__1__2",
        package_name="acme_utils",
        original_file_path="models/schema.yml",
        column_name="n",
        test_metadata=TestMetadata(name="accepted_values", kwargs={"values": [1, 2]}),
    )


def _hub_model() -> Node:
    return Node(
        unique_id="model.hub_pkg.hub_model",
        resource_type="model",
        name="hub_model",
        package_name="hub_pkg",
        original_file_path="models/hub_model.sql",
    )


def _cents() -> Macro:
    return Macro(
        unique_id="macro.acme_utils.cents_to_dollars",
        name="cents_to_dollars",
        package_name="acme_utils",
        original_file_path="macros/cents.sql",
    )


def _orders() -> Node:
    return Node(
        unique_id="model.acme.orders",
        resource_type="model",
        name="orders",
        package_name="acme",
        original_file_path="models/orders.sql",
        patch_path="models/schema.yml",
    )


def test_package_resources_are_located_in_the_installed_package(tmp_path):
    project = _repo(tmp_path)
    locator = Locator.for_project(project, "acme")
    model = _util_numbers()
    # The local package's symlink is followed to its folder in the repository.
    assert locator.locate(model) == Location("pkgs/acme_utils/models/schema.yml", 3)
    assert locator.locate(model, "n") == Location("pkgs/acme_utils/models/schema.yml", 5)
    assert locator.locate(_accepted_values(), parent=model) == Location(
        "pkgs/acme_utils/models/schema.yml", 7
    )
    assert locator.locate(_cents()) == Location("pkgs/acme_utils/macros/cents.sql", 1)
    # A hub package is only where dbt installed it.
    assert locator.locate(_hub_model()) == Location(
        "analytics/dbt_packages/hub_pkg/models/hub_model.sql", 1
    )
    assert locator.file_of(_hub_model()) == "analytics/dbt_packages/hub_pkg/models/hub_model.sql"
    # The root project's resources as before.
    assert locator.locate(_orders()) == Location("analytics/models/schema.yml", 3)


def test_a_package_that_is_not_installed_gives_no_location_not_the_roots_file(tmp_path):
    """The root project has a models/schema.yml with an entry of the package model's name and
    a macros/cents.sql: real files, the wrong ones."""
    project = _repo(tmp_path, installed=False)
    locator = Locator.for_project(project, "acme")
    nowhere = Location("", None)
    model = _util_numbers()
    assert locator.locate(model) == nowhere
    assert locator.locate(model, "n") == nowhere
    assert locator.locate(_accepted_values(), parent=model) == nowhere
    assert locator.locate(_cents()) == nowhere
    assert locator.locate(_hub_model()) == nowhere
    assert locator.locate_setting(model, "materialized") == nowhere
    assert locator.file_of(_cents()) is None
    assert locator.locate(_orders()) == Location("analytics/models/schema.yml", 3)


def test_a_package_file_missing_from_an_installed_package_has_no_location(tmp_path):
    project = _repo(tmp_path)
    (tmp_path / "repo" / "pkgs" / "acme_utils" / "models" / "util_numbers.sql").unlink()
    locator = Locator.for_project(project, "acme")
    assert locator.file_of(_util_numbers()) is None
    assert locator.locate(_util_numbers(), "missing") == Location(
        "pkgs/acme_utils/models/schema.yml", 3
    )


def test_the_root_package_is_read_from_dbt_project_yml_when_not_given(tmp_path):
    project = _repo(tmp_path, installed=False)
    locator = Locator(project)  # relative to the project folder, root package unknown
    assert locator.locate(_orders()) == Location("models/schema.yml", 3)
    assert locator.locate(_util_numbers()) == Location("", None)


def test_the_packages_install_path_is_read_from_dbt_project_yml(tmp_path):
    project = _repo(tmp_path, installed=False, project_yml="packages-install-path: vendored\n")
    _install(project, "vendored")
    locator = Locator.for_project(project, "acme")
    assert locator.locate(_hub_model()).path == "analytics/vendored/hub_pkg/models/hub_model.sql"
    assert locator.locate(_cents()).path == "pkgs/acme_utils/macros/cents.sql"


def test_dbt_before_1_0_installed_packages_under_modules_path(tmp_path):
    project = _repo(tmp_path, installed=False)
    _install(project, "dbt_modules")
    assert Locator.for_project(project, "acme").locate(_hub_model()).path == (
        "analytics/dbt_modules/hub_pkg/models/hub_model.sql"
    )
    custom = _repo(tmp_path / "custom", installed=False, project_yml="modules-path: deps\n")
    _install(custom, "deps")
    assert Locator.for_project(custom, "acme").locate(_hub_model()).path == (
        "analytics/deps/hub_pkg/models/hub_model.sql"
    )


def test_a_package_copied_under_another_folder_name_is_found_by_its_project_name(tmp_path):
    """dbt loads every folder of the install path as the project its dbt_project.yml names."""
    project = _repo(tmp_path)
    (project / "dbt_packages" / "hub_pkg").rename(project / "dbt_packages" / "hub-pkg-0.1.0")
    assert Locator.for_project(project, "acme").locate(_hub_model()).path == (
        "analytics/dbt_packages/hub-pkg-0.1.0/models/hub_model.sql"
    )


def test_a_local_package_outside_the_repository_is_named_where_it_is_installed(tmp_path):
    project = _repo(tmp_path, installed=False)
    elsewhere = tmp_path / "elsewhere" / "acme_utils"
    shutil.copytree(tmp_path / "repo" / "pkgs" / "acme_utils", elsewhere)
    (project / "dbt_packages").mkdir()
    (project / "dbt_packages" / "acme_utils").symlink_to(elsewhere, target_is_directory=True)
    assert Locator.for_project(project, "acme").locate(_cents()).path == (
        "analytics/dbt_packages/acme_utils/macros/cents.sql"
    )


def test_a_package_models_setting_is_on_the_line_that_sets_it(tmp_path):
    """The package's SQL config(), else the root dbt_project.yml's `models: <package>:`, else
    the package's own dbt_project.yml."""
    project = _repo(tmp_path, project_yml="models:\n  acme_utils:\n    +materialized: table\n")
    locator = Locator.for_project(project, "acme")
    model = _util_numbers()
    assert locator.locate_setting(model, "materialized") == Location("analytics/dbt_project.yml", 5)
    package = tmp_path / "repo" / "pkgs" / "acme_utils"
    _write(
        package / "dbt_project.yml",
        "name: acme_utils\nmodels:\n  acme_utils:\n    +schema: utils\n",
    )
    assert Locator.for_project(project, "acme").locate_setting(model, "schema") == Location(
        "pkgs/acme_utils/dbt_project.yml", 4
    )
    _write(package / "models" / "util_numbers.sql", "{{ config(materialized='view') }}\nselect 1\n")
    assert Locator.for_project(project, "acme").locate_setting(model, "materialized") == Location(
        "pkgs/acme_utils/models/util_numbers.sql", 1
    )


def test_a_package_macros_code_is_placed_in_the_packages_file(tmp_path):
    """The root project's macros/cents.sql (three blank lines on top) is not the macro's file."""
    project = _repo(tmp_path)
    files = ResourceFiles(project, "acme")
    placed = place_code(files, _cents(), CENTS.strip())
    assert (placed.start, placed.stale) == (0, False)
    shutil.rmtree(project / "dbt_packages")
    placed = place_code(ResourceFiles(project, "acme"), _cents(), CENTS.strip())
    assert (placed.start, placed.stale) == (None, False)


# -- the reports, through the command line ----------------------------------------------------


def _node(uid: str, package: str, file: str, **fields) -> dict:
    kind, _, rest = uid.split(".", 2)
    return {
        "unique_id": uid,
        "resource_type": kind,
        "name": rest.split(".")[0],
        "package_name": package,
        "original_file_path": file,
        "path": file.rsplit("/", 1)[-1],
        "fqn": [package, rest.split(".")[0]],
        "depends_on": {"nodes": []},
        **fields,
    }


def _build(project: Path) -> None:
    """The build's artifacts: the package's accepted_values test failed (a finding of no
    policy's), and a policy reports the package's macro and models."""
    test_uid = "test.acme_utils.accepted_values_util_numbers_n__1__2.b65cdc7d7b"
    nodes = {
        "model.acme.orders": _node(
            "model.acme.orders",
            "acme",
            "models/orders.sql",
            patch_path="acme://models/schema.yml",
            description="the root's own model",
            meta={"owner": "@data"},
        ),
        "model.acme_utils.util_numbers": _node(
            "model.acme_utils.util_numbers",
            "acme_utils",
            "models/util_numbers.sql",
            patch_path="acme_utils://models/schema.yml",
        ),
        "model.hub_pkg.hub_model": _node(
            "model.hub_pkg.hub_model", "hub_pkg", "models/hub_model.sql"
        ),
        test_uid: _node(
            test_uid,
            "acme_utils",
            "models/schema.yml",
            path="accepted_values_util_numbers_n__1__2.sql",
            column_name="n",
            attached_node="model.acme_utils.util_numbers",
            test_metadata={"name": "accepted_values", "kwargs": {"values": [1, 2]}},
            depends_on={"nodes": ["model.acme_utils.util_numbers"]},
        ),
    }
    macro = {
        "unique_id": "macro.acme_utils.cents_to_dollars",
        "name": "cents_to_dollars",
        "package_name": "acme_utils",
        "original_file_path": "macros/cents.sql",
        "path": "macros/cents.sql",
    }
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "project_name": "acme",
            "generated_at": "2030-01-01T00:00:00Z",
        },
        "nodes": nodes,
        "macros": {macro["unique_id"]: macro},
    }
    results = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
            "generated_at": "2030-01-01T00:00:01Z",
        },
        "args": {"which": "build"},
        "results": [
            {"unique_id": uid, "status": "success", "message": None, "failures": None}
            for uid in nodes
            if uid != test_uid
        ]
        + [{"unique_id": test_uid, "status": "fail", "message": "Got 98 results", "failures": 98}],
    }
    target = project / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "run_results.json").write_text(json.dumps(results))
    write_config(
        project,
        """\
        version: 1
        policies:
          - select: "package:acme_utils package:hub_pkg"
            rules:
              docs.macro_description: warn
              docs.model_description: warn
        """,
    )


def _check(project: Path) -> tuple[dict, dict, list[dict], list[str], str, str]:
    result = dbtgate(
        "check",
        "--out",
        "reports",
        "--format",
        "json,sarif,gitlab,md",
        "--repo-url",
        "https://github.com/o/r/blob/abc",
        "--annotations",
        "--max-findings",
        "0",
        cwd=project,
        env={"PYTHONPATH": os.environ.get("PYTHONPATH", ""), "DBTGATE_TODAY": "2030-01-02"},
    )
    assert result.returncode == 1, result.stderr
    report = read_json(project / "reports" / "gate.json")
    found = {f["code"] + " " + (f.get("resource_name") or ""): f for f in report["findings"]}
    sarif = read_json(project / "reports" / "gate.sarif")
    uris = {
        r["ruleId"] + " " + r["message"]["text"].split(" ", 2)[1]: r["locations"][0][
            "physicalLocation"
        ]
        for r in sarif["runs"][0]["results"]
    }
    gitlab = read_json(project / "reports" / "gl-code-quality-report.json")
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    markdown = (project / "reports" / "gate.md").read_text()
    return found, uris, gitlab, annotations, result.stdout, markdown


def test_reports_place_package_findings_in_the_package(tmp_path):
    project = _repo(tmp_path)
    _build(project)
    found, uris, gitlab, annotations, console, markdown = _check(project)
    failed = found["run.test_failures accepted_values_util_numbers_n__1__2"]
    assert (failed["path"], failed["line"]) == ("pkgs/acme_utils/models/schema.yml", 7)
    # The compiled query is where dbt writes a package's: under the package's name.
    assert (
        "target/compiled/acme_utils/models/schema.yml/accepted_values_util_numbers_n__1__2.sql"
        in failed["fix"]
    )
    macro = found["docs.macro_description cents_to_dollars"]
    assert (macro["path"], macro["line"]) == ("pkgs/acme_utils/macros/cents.sql", 1)
    hub = found["docs.model_description hub_model"]
    assert hub["path"] == "analytics/dbt_packages/hub_pkg/models/hub_model.sql"
    assert uris["docs.macro_description cents_to_dollars"] == {
        "artifactLocation": {"uri": "pkgs/acme_utils/macros/cents.sql"},
        "region": {"startLine": 1},
    }
    assert {item["location"]["path"] for item in gitlab} >= {
        "pkgs/acme_utils/models/schema.yml",
        "pkgs/acme_utils/macros/cents.sql",
        "analytics/dbt_packages/hub_pkg/models/hub_model.sql",
    }
    assert not any(
        "analytics/models/" in line or "analytics/macros/" in line for line in annotations
    )
    assert any("file=pkgs/acme_utils/models/schema.yml,line=7" in line for line in annotations)
    assert "pkgs/acme_utils/macros/cents.sql:1" in console
    assert "https://github.com/o/r/blob/abc/pkgs/acme_utils/macros/cents.sql#L1" in markdown


def test_reports_place_findings_of_a_package_not_installed_nowhere_in_particular(tmp_path):
    """As a CI job that downloaded the build's artifacts without running `dbt deps`."""
    project = _repo(tmp_path, installed=False)
    _build(project)
    found, uris, gitlab, annotations, console, markdown = _check(project)
    for key in (
        "run.test_failures accepted_values_util_numbers_n__1__2",
        "docs.macro_description cents_to_dollars",
        "docs.model_description util_numbers",
        "docs.model_description hub_model",
    ):
        assert (found[key].get("path"), found[key].get("line")) == (None, None), key
    # SARIF and GitLab need a file: the project's, as for any finding without one.
    assert uris["docs.macro_description cents_to_dollars"]["artifactLocation"] == {
        "uri": "analytics/dbt_project.yml"
    }
    assert {item["location"]["path"] for item in gitlab} == {"analytics/dbt_project.yml"}
    assert not any("file=" in line for line in annotations)
    assert "analytics/models/schema.yml" not in console + markdown
    assert "analytics/macros/cents.sql" not in console + markdown
