"""A catalog.json older than the build, on what dbt-duckdb really writes: one of a `dbt docs
generate` run after the build (into the build's target, or its own copied back) is the build's;
one left in target/ by a `dbt docs generate` run before it is old, even seconds old."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import read_json
from test_diff_incremental_dbt import dbt

from dbtgate.artifacts import load_artifacts

pytestmark = pytest.mark.slow


def catalog_warnings(target: Path) -> list[str]:
    return [w for w in load_artifacts(target).warnings if "catalog.json" in w]


def test_a_catalog_written_before_the_build_is_old_however_little(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    (project / "models" / "orders.sql").write_text("select 1 as id\n", encoding="utf-8")
    database = tmp_path / "dev.duckdb"

    def run(*args: str, target: str = "target") -> None:
        done = dbt(project, database, target, *args)
        assert done.returncode == 0, done.stdout

    run("build")
    run("docs", "generate")  # rewrites the manifest, then writes the catalog
    assert catalog_warnings(project / "target") == []
    # As the README says to: the docs in a target path of their own, the catalog copied back.
    run("build")
    run("docs", "generate", target="docs-target")
    shutil.copy(project / "docs-target" / "catalog.json", project / "target")
    assert catalog_warnings(project / "target") == []
    # The next build leaves that catalog, seconds older than its manifest, in target/.
    (project / "models" / "orders.sql").write_text("select 1 as id, 2 as n\n", encoding="utf-8")
    run("build")
    [warning] = catalog_warnings(project / "target")
    assert " s before the manifest (by an earlier `dbt docs generate`?)" in warning, warning


def test_commands_after_docs_generate_that_build_nothing_leave_the_catalog_the_build_s(
    tmp_path: Path,
) -> None:
    """CI's `dbt build`, `dbt docs generate`, then `dbt test`, `dbt run-operation` or `dbt
    source freshness`: each rewrites the manifest after the catalog and builds nothing, so the
    catalog lists the build's tables and is not warned of. A model edited and run after it is:
    the run's tables are newer; and once `dbt test` has overwritten that run's results, the
    model parsed anew after the catalog still says so."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\nmodels:\n  +materialized: table\n",
        encoding="utf-8",
    )
    (project / "models" / "orders.sql").write_text("select 1 as id\n", encoding="utf-8")
    (project / "models" / "orders.yml").write_text(
        "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n"
        "        data_tests: [not_null]\n",
        encoding="utf-8",
    )
    (project / "macros" / "hello.sql").write_text(
        "{% macro hello() %}{{ log('hello', info=True) }}{% endmacro %}\n", encoding="utf-8"
    )
    database = tmp_path / "dev.duckdb"

    def run(*args: str) -> None:
        done = dbt(project, database, "target", *args)
        assert done.returncode == 0, done.stdout

    run("build")
    run("docs", "generate")
    for command in (("test",), ("run-operation", "hello"), ("source", "freshness")):
        run(*command)
        assert catalog_warnings(project / "target") == [], command
    # A model edited after the catalog and run: its table is newer than the catalog's.
    (project / "models" / "orders.sql").write_text("select 1 as id, 2 as n\n", encoding="utf-8")
    run("run")
    [warning] = catalog_warnings(project / "target")
    assert "the tables the run built are newer" in warning, warning
    run("test")
    [warning] = catalog_warnings(project / "target")
    assert "the warehouse's columns it lists may predate this build" in warning, warning


def test_the_fixture_builds_catalogs_are_of_their_builds(shop_builds) -> None:
    """The fixture's recipe runs `dbt docs generate` after `dbt build` and keeps the build's
    manifest: its catalog is newer."""
    for build in (shop_builds.base, shop_builds.pr):
        assert catalog_warnings(build / "target") == []


def test_a_partial_build_over_an_old_catalog_still_shows_a_removed_column(tmp_path: Path) -> None:
    """`dbt build --select orders` after an earlier `dbt docs generate` left catalog.json in
    target/: the catalog lists the table the build replaced, with the column the change removed.
    The diff reads the columns of the relations the run built from their SQL and YAML instead,
    so the removal a reader depends on blocks."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\nmodels:\n  +materialized: table\n",
        encoding="utf-8",
    )
    (project / "models" / "orders.sql").write_text(
        "select 1 as id, 'web' as channel\n", encoding="utf-8"
    )
    (project / "models" / "channels.sql").write_text(
        "select channel from {{ ref('orders') }}\n", encoding="utf-8"
    )
    database = tmp_path / "dev.duckdb"

    def run(*args: str) -> None:
        done = dbt(project, database, "target", *args)
        assert done.returncode == 0, done.stdout

    run("build")
    run("docs", "generate")
    shutil.copytree(project / "target", tmp_path / "base")
    # The branch drops `channel` (its reader not updated yet) and builds only the model.
    (project / "models" / "orders.sql").write_text("select 1 as id\n", encoding="utf-8")
    run("build", "--select", "orders")

    [warning] = catalog_warnings(project / "target")
    assert "the tables the run built are newer, so their columns are read from YAML" in warning
    report = tmp_path / "diff.json"
    done = dbtgate("diff", "--base", str(tmp_path / "base"), "--json", str(report), cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    changes = read_json(report)["sections"]["diff"]["changes"]
    removed = [c for c in changes if c["code"] == "breaking.column_removed"]
    assert [(c["unique_id"], c["column"]) for c in removed] == [("model.inc.orders", "channel")]
