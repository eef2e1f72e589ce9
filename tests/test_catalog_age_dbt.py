"""A catalog.json older than the build, on what dbt-duckdb really writes: one of a `dbt docs
generate` run after the build (into the build's target, or its own copied back) is the build's;
one left in target/ by a `dbt docs generate` run before it is old, even seconds old."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
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


def test_the_fixture_builds_catalogs_are_of_their_builds(shop_builds) -> None:
    """The fixture's recipe runs `dbt docs generate` after `dbt build` and keeps the build's
    manifest: its catalog is newer."""
    for build in (shop_builds.base, shop_builds.pr):
        assert catalog_warnings(build / "target") == []
