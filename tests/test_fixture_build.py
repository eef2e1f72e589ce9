"""The fixture dbt project builds for real and carries exactly what fixtures/README.md promises.

Other tests assert gate behaviour on these builds, so a drift here (a second failing test, a column
that was not removed) would make their expectations wrong for the wrong reason.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from dbtgate.errors import DbtgateError
from dbtgate.fixture_build import assemble_project, build_fixture, holds_edits, install_hint

FAILING_TEST = "test.shop.not_null_customer_ltv_avg_order_value.d09aefd175"
ARTIFACTS = ("manifest.json", "run_results.json", "catalog.json", "sources.json")


def _artifact(project: Path, name: str) -> dict:
    with open(project / "target" / name, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.slow
def test_both_builds_write_the_four_artifacts(shop_builds):
    for project in (shop_builds.base, shop_builds.pr):
        for name in ARTIFACTS:
            assert (project / "target" / name).is_file(), f"{project}: {name} missing"


@pytest.mark.slow
def test_base_build_passes_every_node(shop_builds):
    results = _artifact(shop_builds.base, "run_results.json")["results"]
    statuses = {result["status"] for result in results}
    assert statuses == {"success", "pass", "no-op"}


@pytest.mark.slow
def test_pr_build_fails_only_the_planted_test(shop_builds):
    results = _artifact(shop_builds.pr, "run_results.json")["results"]
    not_ok = [
        (result["unique_id"], result["status"], result["failures"])
        for result in results
        if result["status"] not in ("success", "pass", "no-op")
    ]
    assert not_ok == [(FAILING_TEST, "fail", 2)]


@pytest.mark.slow
def test_kept_run_results_come_from_dbt_build_with_its_manifest(shop_builds):
    for project in (shop_builds.base, shop_builds.pr):
        run_results = _artifact(project, "run_results.json")
        manifest = _artifact(project, "manifest.json")
        assert run_results["args"]["which"] == "build"
        assert run_results["metadata"]["invocation_id"] == manifest["metadata"]["invocation_id"]


@pytest.mark.slow
def test_pr_manifest_adds_a_model_and_removes_a_contracted_column(shop_builds):
    base_nodes = _artifact(shop_builds.base, "manifest.json")["nodes"]
    pr_nodes = _artifact(shop_builds.pr, "manifest.json")["nodes"]
    assert "model.shop.customer_segments" not in base_nodes
    assert "model.shop.customer_segments" in pr_nodes
    base_v2 = base_nodes["model.shop.orders_summary.v2"]
    pr_v2 = pr_nodes["model.shop.orders_summary.v2"]
    assert "item_count" in base_v2["columns"]
    assert "item_count" not in pr_v2["columns"]
    assert pr_v2["config"]["contract"]["enforced"] is True
    assert "item_count" in pr_nodes["model.shop.orders_summary.v1"]["columns"]
    assert "avg_order_value" in pr_nodes["model.shop.customer_ltv"]["columns"]
    assert "avg_order_value" not in base_nodes["model.shop.customer_ltv"]["columns"]


@pytest.mark.slow
def test_catalog_shows_the_contracted_type_change(shop_builds):
    def total_amount_type(project: Path) -> str:
        node = _artifact(project, "catalog.json")["nodes"]["model.shop.orders_summary.v2"]
        return node["columns"]["total_amount"]["type"]

    assert total_amount_type(shop_builds.base) == "DECIMAL(18,2)"
    assert total_amount_type(shop_builds.pr) == "DOUBLE"


@pytest.mark.slow
def test_freshness_has_one_fresh_and_one_stale_source(shop_builds):
    for project in (shop_builds.base, shop_builds.pr):
        results = _artifact(project, "sources.json")["results"]
        statuses = {result["unique_id"]: result["status"] for result in results}
        assert statuses == {
            "source.shop.shop_raw.raw_orders": "pass",
            "source.shop.shop_raw.raw_payments": "error",
        }


@pytest.mark.slow
def test_unchanged_fixture_is_not_rebuilt(shop_builds):
    workdir = shop_builds.base.parent.parent
    manifest = shop_builds.base / "target" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    assert build_fixture("base", workdir) == shop_builds.base
    assert manifest.stat().st_mtime_ns == before


def test_missing_dbt_names_the_install_command(tmp_path, monkeypatch):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setattr(sys, "executable", str(empty_bin / "python"))
    monkeypatch.setenv("PATH", str(empty_bin))
    with pytest.raises(DbtgateError, match=re.escape(install_hint()) + "$"):
        build_fixture("base", tmp_path / "work")


def test_unknown_state_is_rejected(tmp_path):
    with pytest.raises(DbtgateError, match="unknown fixture state"):
        build_fixture("main", tmp_path)  # type: ignore[arg-type]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_overlay_replaces_adds_and_deletes_files(tmp_path):
    source = tmp_path / "fixtures"
    _write(source / "shop" / "dbt_project.yml", "name: shop\n")
    _write(source / "shop" / "models" / "a.sql", "select 1\n")
    _write(source / "shop" / "models" / "gone.sql", "select 2\n")
    _write(source / "shop_pr" / "models" / "a.sql", "select 10\n")
    _write(source / "shop_pr" / "models" / "new.sql", "select 3\n")
    _write(source / "shop_pr" / "DELETED", "# comment\n\nmodels/gone.sql\n")

    assemble_project(source, "pr", tmp_path / "pr")
    files = sorted(
        p.relative_to(tmp_path / "pr").as_posix() for p in (tmp_path / "pr").rglob("*.*")
    )
    assert files == ["dbt_project.yml", "models/a.sql", "models/new.sql"]
    assert (tmp_path / "pr" / "models" / "a.sql").read_text() == "select 10\n"

    assemble_project(source, "base", tmp_path / "base")
    assert (tmp_path / "base" / "models" / "gone.sql").is_file()
    assert not (tmp_path / "base" / "models" / "new.sql").exists()


def test_deleted_list_naming_a_missing_file_is_an_error_with_its_line(tmp_path):
    source = tmp_path / "fixtures"
    _write(source / "shop" / "dbt_project.yml", "name: shop\n")
    _write(source / "shop_pr" / "DELETED", "# comment\nmodels/typo.sql\n")
    with pytest.raises(DbtgateError, match=r"DELETED:2: 'models/typo.sql'"):
        assemble_project(source, "pr", tmp_path / "pr")


@pytest.mark.slow
def test_a_project_edited_in_place_is_rebuilt_as_it_stands(tmp_path):
    """Someone trying the demo edits its project and runs it again: the gate must see the edits
    (a build of what is on disk, failing models included), not the build of before."""
    said: list[str] = []
    project = build_fixture("base", tmp_path, echo=said.append)
    model = project / "models" / "staging" / "stg_customers.sql"
    assert not holds_edits(tmp_path, "base")
    original = model.read_text()
    edited = original.replace(
        "    id as customer_id,", "    1 as loyalty_points, id as customer_id,"
    )
    model.write_text(edited)
    (project / "models" / "staging" / "orphan.sql").write_text("select * from main.no_such\n")

    said.clear()
    assert build_fixture("base", tmp_path, echo=said.append) == project
    assert said[0] == (
        f"fixture base: rebuilding {project}, edited since its build: "
        "models/staging/orphan.sql (added), models/staging/stg_customers.sql"
    )
    assert "dbt build exited 1" in said[1] and "(failures the gate reports)" in said[1]
    statuses = {
        r["unique_id"]: r["status"] for r in _artifact(project, "run_results.json")["results"]
    }
    assert statuses["model.shop.orphan"] == "error"
    assert statuses["model.shop.stg_customers"] == "success"
    columns = _artifact(project, "catalog.json")["nodes"]["model.shop.stg_customers"]["columns"]
    assert "loyalty_points" in columns

    said.clear()
    build_fixture("base", tmp_path, echo=said.append)
    assert said == [f"fixture base: up to date in {project}"]
    assert holds_edits(tmp_path, "base")

    # An edit dbt cannot even parse is an error naming the edit, and stays to be fixed: the
    # next run builds the project again, never the bundled fixture over the user's files.
    (project / "models" / "staging" / "orphan.sql").write_text("select {{ ref( }}\n")
    with pytest.raises(DbtgateError, match="the project was edited since its last build"):
        build_fixture("base", tmp_path)
    said.clear()
    with pytest.raises(DbtgateError):
        build_fixture("base", tmp_path, echo=said.append)
    assert said[0].startswith(f"fixture base: rebuilding {project}, edited since its build: ")
    assert (project / "models" / "staging" / "orphan.sql").read_text() == "select {{ ref( }}\n"

    # Every edit undone: the project is the fixture again, and the demo speaks of it as such.
    model.write_text(original)
    (project / "models" / "staging" / "orphan.sql").unlink()
    build_fixture("base", tmp_path)
    assert not holds_edits(tmp_path, "base")


@pytest.mark.slow
def test_edits_to_a_project_another_fixture_built_are_moved_aside_not_lost(tmp_path):
    """A newer dbtgate bundles another fixture: its project is written anew, and what the user
    had edited in the old one is kept beside it, not deleted."""
    project = build_fixture("base", tmp_path)
    stamp_path = tmp_path / "base" / "fixture.stamp"
    stamp = json.loads(stamp_path.read_text())
    stamp["fixture"] = "the digest of an older dbtgate's fixture"
    stamp_path.write_text(json.dumps(stamp))
    (project / "models" / "staging" / "mine.sql").write_text("select 1 as mine\n")
    # Edits kept by an earlier move stay: the new ones go beside them.
    earlier = tmp_path / "base" / "project.edited"
    earlier.mkdir()
    (earlier / "mine_before.sql").write_text("select 0 as mine\n")

    said: list[str] = []
    assert build_fixture("base", tmp_path, echo=said.append) == project
    assert (earlier / "mine_before.sql").is_file()
    kept = tmp_path / "base" / "project.edited.2"
    assert said[0] == (
        f"fixture base: the bundled fixture changed (another version of dbtgate), so {project} "
        "is written anew; the project as it was, with your edits (models/staging/mine.sql "
        f"(added)), is kept in {kept}"
    )
    assert (kept / "models" / "staging" / "mine.sql").read_text() == "select 1 as mine\n"
    assert not (project / "models" / "staging" / "mine.sql").exists()
    assert _artifact(project, "manifest.json")["metadata"]["project_name"] == "shop"


@pytest.mark.slow
def test_a_demo_folder_copied_elsewhere_is_the_same_build_with_its_edits(tmp_path):
    """Copying or moving the demo's folder changes the DuckDB path in its profile, not the
    fixture: the build is up to date there, and an edit there is built in place, not moved
    aside as if another dbtgate had bundled another fixture."""
    import shutil

    build_fixture("base", tmp_path / "first")
    shutil.copytree(tmp_path / "first", tmp_path / "copy")
    project = tmp_path / "copy" / "base" / "project"
    said: list[str] = []
    assert build_fixture("base", tmp_path / "copy", echo=said.append) == project
    assert said == [f"fixture base: up to date in {project}"]
    # Its profile names its own database, not the folder it was copied from.
    profiles = (tmp_path / "copy" / "base" / "profiles.yml").read_text()
    assert str(tmp_path / "copy" / "base" / "shop.duckdb") in profiles
    (project / "models" / "staging" / "mine.sql").write_text("select 1 as mine\n")
    said.clear()
    build_fixture("base", tmp_path / "copy", echo=said.append)
    assert said[0] == (
        f"fixture base: rebuilding {project}, edited since its build: models/staging/mine.sql "
        "(added)"
    )
    assert (project / "models" / "staging" / "mine.sql").is_file()
    assert not (tmp_path / "copy" / "base" / "project.edited").exists()


def test_a_run_stopped_after_edits_were_moved_aside_does_not_move_the_fixture_too(
    tmp_path, monkeypatch
):
    """Edits moved aside, then no dbt to build with: the next run must not take the fresh
    fixture for the user's edits, move it over them, or fail on a project that is not there."""
    import dbtgate.fixture_build as fixture_build

    state = tmp_path / "base"
    project = state / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "mine.sql").write_text("select 1 as mine\n")
    stamp = {"fixture": "another dbtgate's", "project": {}}
    (state / "fixture.stamp").write_text(json.dumps(stamp))

    def no_dbt() -> str:
        raise DbtgateError("no dbt")

    monkeypatch.setattr(fixture_build, "_find_dbt", no_dbt)
    for _ in range(2):
        with pytest.raises(DbtgateError, match="no dbt"):
            build_fixture("base", tmp_path)
    assert (state / "project.edited" / "models" / "mine.sql").is_file()
    assert not (state / "project.edited.2").exists()
