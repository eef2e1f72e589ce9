"""The gate says when target/ is older than the project's models or properties files (a branch
switched, a model edited, a test added in YAML, without a rebuild): its verdict is that of what
dbt built, not of the files on disk."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import plain_env, run_dbtgate
from corpus import CORPUS
from lint_repos import init_repo

pytestmark = pytest.mark.slow


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_dbtgate("check", "-q", *args, cwd=cwd, env=plain_env(COLUMNS="300"))


@pytest.fixture
def project(shop_builds, tmp_path) -> Path:
    """A copy of the PR project with its build, files as old as they were (copy2)."""
    copy = tmp_path / "shop"
    shutil.copytree(shop_builds.pr, copy, ignore=shutil.ignore_patterns("logs"))
    return copy


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("warning:")]


def test_models_edited_or_deleted_since_the_build_are_named_before_the_findings(project):
    assert warnings(check(cwd=project)) == []
    marts = project / "models" / "marts"
    (marts / "customer_ltv.sql").write_text((marts / "customer_ltv.sql").read_text() + "-- x\n")
    (marts / "dim_products.sql").unlink()
    (marts / "fct_orders.sql").touch()  # newer, the same code: not an edit
    (marts / "brand_new.sql").write_text("select 1 as id\n")  # a model the build never saw
    result = check(cwd=project)
    assert warnings(result) == [
        "warning: the build of target/manifest.json is older than 3 files of the project "
        "(models/marts/customer_ltv.sql edited, models/marts/dim_products.sql deleted, "
        "models/marts/brand_new.sql added): the gate reads what dbt built, not these edits; "
        "rebuild first (`dbt parse` alone refreshes the manifest, not the run's results)"
    ]
    assert result.returncode == 1  # the verdict is still the build's


def test_another_projects_build_gated_from_inside_a_project_is_not_read_as_its_edits(project):
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    (project / "models" / "marts" / "dim_products.sql").unlink()
    result = check("--artifacts", str(build), "--config", str(project / "dbtgate.yml"), cwd=project)
    assert warnings(result) == [], result.stdout


def test_properties_files_edited_since_the_build_are_named_and_a_touched_one_is_not(project):
    """A test added in YAML to fix a finding, a description written, a column declared: the
    gate still reads the build, which has none of them, so it says so. A file only newer than
    the build (a CI job checking the built commit out again gives every file a new time) is
    compared by what it declares, with the real fixture's YAML: versions, sources, seeds,
    tests with arguments."""
    for path in project.rglob("*.y*ml"):
        path.touch()
    assert warnings(check(cwd=project)) == []
    marts = project / "models" / "marts" / "_marts.yml"
    original = marts.read_text()
    edits = {
        "a test added": original.replace(
            "      - name: country\n        data_type: varchar\n",
            "      - name: country\n        data_type: varchar\n        data_tests:\n"
            "          - not_null\n",
            1,
        ),
        "a description": original.replace("Given name.", "Given (first) name.", 1),
        "a column declared": original.replace(
            "      - name: country\n",
            "      - name: region\n        data_type: varchar\n      - name: country\n",
            1,
        ),
        "a file that no longer parses": original + "  - name: [\n",
    }
    for what, text in edits.items():
        assert text != original, what
        marts.write_text(text)
        assert warnings(check(cwd=project)) == [
            "warning: the build of target/manifest.json is older than 1 file of the project "
            "(models/marts/_marts.yml edited): the gate reads what dbt built, not these edits; "
            "rebuild first (`dbt parse` alone refreshes the manifest, not the run's results)"
        ], what
    marts.write_text(original)
    assert warnings(check(cwd=project)) == []


def test_run_from_a_folder_of_the_repository_the_console_names_the_edits_from_there(
    shop_builds, tmp_path
):
    """In a repository holding the project in analytics/, run from models/marts: the console
    names the manifest and the files edited, deleted or added from that folder, as it names the
    findings' files; the reports from the repository's root, byte for byte as from the root."""
    repo = init_repo(tmp_path / "repo")
    project = repo / "analytics"
    shutil.copytree(shop_builds.pr, project, ignore=shutil.ignore_patterns("logs"))
    marts = project / "models" / "marts"
    (marts / "customer_ltv.sql").write_text((marts / "customer_ltv.sql").read_text() + "-- x\n")
    (project / "models" / "staging" / "stg_products.sql").unlink()
    (marts / "brand_new.sql").write_text("select 1 as id\n")
    below = run_dbtgate(
        *("check", "-q", "--project-dir", "../..", "--json", str(tmp_path / "below.json")),
        cwd=marts,
        env=plain_env(COLUMNS="300"),
    )
    at_root = check("--project-dir", "analytics", "--json", str(tmp_path / "root.json"), cwd=repo)
    assert below.returncode == at_root.returncode == 1, below.stdout + below.stderr
    edits = "customer_ltv.sql edited, ../staging/stg_products.sql deleted, brand_new.sql added"
    assert (
        f"warning: the build of ../../target/manifest.json is older than 3 files of the project "
        f"({edits}): the gate reads what dbt built"
    ) in below.stdout
    root_warning = (
        "the build of analytics/target/manifest.json is older than 3 files of the project "
        "(analytics/models/marts/customer_ltv.sql edited, analytics/models/staging/"
        "stg_products.sql deleted, analytics/models/marts/brand_new.sql added): the gate reads "
        "what dbt built"
    )
    assert f"warning: {root_warning}" in at_root.stdout
    reports = [json.loads((tmp_path / f"{run}.json").read_text()) for run in ("below", "root")]
    assert reports[0]["warnings"] == reports[1]["warnings"]
    assert any(warning.startswith(root_warning) for warning in reports[0]["warnings"])
