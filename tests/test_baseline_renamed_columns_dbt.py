"""A column renamed in a real dbt-duckdb project: the team recorded its undocumented columns as
debt on main; a pull request renames `cust_id` to `customer_id` (SQL and YAML, nothing else).
The column's debt follows the rename, and what blocks is the rename itself, which a dashboard
reading the model would feel: the pull request is judged on what it did."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import read_json, write_config
from test_diff_incremental_dbt import dbt

from dbtgate.fixture_build import BUILD_ARTIFACTS

pytestmark = pytest.mark.slow

CONFIG = """\
version: 1
policies:
  - select: "resource_type:model"
    rules:
      docs.column_coverage: {severity: error, min: 1.0, use_catalog: false}
"""
YAML = """\
models:
  - name: customers
    description: One row per customer.
    columns:
      - name: {key}
      - name: full_name
exposures:
  - name: crm_dashboard
    type: dashboard
    owner: {{name: CRM, email: crm@example.com}}
    depends_on: [ref('customers')]
"""


def write_model(project: Path, key: str) -> None:
    models = project / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "customers.sql").write_text(
        f"select 1 as {key}, 'Ada' as full_name\n", encoding="utf-8"
    )
    (models / "customers.yml").write_text(YAML.format(key=key), encoding="utf-8")


def build(project: Path, database: Path, target: str) -> None:
    """`dbt build` then `dbt docs generate` (the catalog), with the build's manifest and
    run_results kept, as CI keeps them: docs generate writes its own, with no model run."""
    kept = {}
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, database, target, *args)
        assert done.returncode == 0, done.stdout
        if not kept:
            kept = {name: (project / target / name).read_bytes() for name in BUILD_ARTIFACTS}
    for name, data in kept.items():
        (project / target / name).write_bytes(data)


def test_a_pull_request_renaming_a_column_blocks_on_the_rename_not_on_its_debt(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    write_config(project, CONFIG)
    write_model(project, "cust_id")
    build(project, tmp_path / "production.duckdb", "base")
    recorded = dbtgate("baseline", "--artifacts", "base", cwd=project)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    entries = read_json(project / "dbtgate-baseline.json")["findings"]
    assert sorted(e["column_name"] for e in entries) == ["cust_id", "full_name"]

    write_model(project, "customer_id")
    build(project, tmp_path / "ci.duckdb", "target")
    done = dbtgate(
        "check", "--base", "base", "--baseline", "dbtgate-baseline.json", "--json", "gate.json",
        cwd=project,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    findings = read_json(project / "gate.json")["findings"]
    assert sorted((f["code"], f.get("column_name"), f["disposition"]) for f in findings) == [
        ("breaking.column_renamed", "cust_id", "blocking"),
        ("docs.column_coverage", "customer_id", "baselined"),
        ("docs.column_coverage", "full_name", "baselined"),
    ]

    # Merged, the team prunes with main's new build against the old one: the entry moves.
    pruned = dbtgate("baseline", "--base", "base", "--prune", cwd=project)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert " ".join(pruned.stdout.split()) == (
        "pruned dbtgate-baseline.json: nothing to drop; moved 1 entry to a renamed column's "
        "name; 2 entries left"
    )
    entries = read_json(project / "dbtgate-baseline.json")["findings"]
    assert sorted(e["column_name"] for e in entries) == ["customer_id", "full_name"]
    # ... and the next pull request, against the merged build, finds all of it baselined.
    done = dbtgate("check", "--baseline", "dbtgate-baseline.json", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


VERSIONED_YAML = """\
models:
  - name: customers
    description: One row per customer.
    latest_version: 1
    columns:
      - name: {key}
      - name: full_name
    versions:
      - v: 1
"""


def test_a_column_renamed_on_an_uncontracted_versioned_model_keeps_its_debt(tmp_path):
    """On a versioned model a rename is reported as the removal it is to a consumer pinned to
    the version; the column is the same debt under its new name all the same."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    write_config(project, CONFIG)

    def write_versioned(key: str) -> None:
        (project / "models" / "customers_v1.sql").write_text(
            f"select 1 as {key}, 'Ada' as full_name\n", encoding="utf-8"
        )
        (project / "models" / "customers.yml").write_text(
            VERSIONED_YAML.format(key=key), encoding="utf-8"
        )

    write_versioned("cust_id")
    build(project, tmp_path / "production.duckdb", "base")
    recorded = dbtgate("baseline", "--artifacts", "base", cwd=project)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    write_versioned("customer_id")
    build(project, tmp_path / "ci.duckdb", "target")
    done = dbtgate(
        "check", "--base", "base", "--baseline", "dbtgate-baseline.json", "--json", "gate.json",
        cwd=project,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_json(project / "gate.json")
    assert sorted(
        (f["code"], f.get("column_name"), f["disposition"]) for f in report["findings"]
    ) == [
        ("docs.column_coverage", "customer_id", "baselined"),
        ("docs.column_coverage", "full_name", "baselined"),
        ("risky.column_removed", "cust_id", "advisory"),
    ]
    section = report["sections"]["baseline"]
    assert section["gone"] == []
    assert [(c["entry"]["column_name"], c["column_name"]) for c in section["carried"]] == [
        ("cust_id", "customer_id")
    ]


RENAMED_YAML = """\
models:
  - name: {model}
    description: One row per customer.
    columns:
      - name: {key}
      - name: full_name
      - name: country
      - name: segment
"""


def test_a_model_and_its_column_renamed_together_carry_the_columns_debt_too(tmp_path):
    """One pull request renames `customers` to `clients` (git reads the file as renamed) and
    its `cust_id` to `customer_id`: the model's column entries follow to the new model, the
    renamed column's to its new name too, as main's build and the pull request's show it."""
    from lint_repos import commit_all, git, init_repo

    project = init_repo(tmp_path / "repo")
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    (project / ".gitignore").write_text("base/\ntarget/\nlogs/\nprofiles.yml\n*.duckdb\n")
    write_config(project, CONFIG)
    models = project / "models"
    models.mkdir()

    def write(model: str, key: str) -> None:
        (models / f"{model}.sql").write_text(
            f"select\n    1 as {key},\n    'Ada' as full_name,\n    'UK' as country,\n"
            "    'retail' as segment\n",
            encoding="utf-8",
        )
        (models / f"{model}.yml").write_text(
            RENAMED_YAML.format(model=model, key=key), encoding="utf-8"
        )

    write("customers", "cust_id")
    build(project, tmp_path / "production.duckdb", "base")
    recorded = dbtgate("baseline", "--artifacts", "base", cwd=project)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    commit_all(project, "main, with its debt recorded")
    git(project, "checkout", "--quiet", "-b", "pr")
    git(project, "mv", "models/customers.sql", "models/clients.sql")
    git(project, "mv", "models/customers.yml", "models/clients.yml")
    write("clients", "customer_id")
    commit_all(project, "customers are clients now, and their key customer_id")
    build(project, tmp_path / "ci.duckdb", "target")

    done = dbtgate(
        "check", "--base", "base", "--baseline", "dbtgate-baseline.json", "--json", "gate.json",
        cwd=project,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_json(project / "gate.json")
    assert sorted(
        (f["code"], f.get("column_name"), f["disposition"])
        for f in report["findings"]
        if f.get("unique_id") == "model.inc.clients"
    ) == [
        ("docs.column_coverage", "country", "baselined"),
        ("docs.column_coverage", "customer_id", "baselined"),
        ("docs.column_coverage", "full_name", "baselined"),
        ("docs.column_coverage", "segment", "baselined"),
    ]
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["fixed"] == []
    column = [c for c in section["carried"] if c.get("column_name")]
    assert [(c["entry"]["column_name"], c["unique_id"], c["column_name"]) for c in column] == [
        ("cust_id", "model.inc.clients", "customer_id")
    ]
    assert (
        "docs.column_coverage on model.inc.customers.cust_id -> model.inc.clients.customer_id"
    ) in " ".join(done.stdout.split())

    # Without main's build, git still pairs the model, but nothing shows the column's rename
    # (a column dropped and another added read the same): as on a model that kept its name,
    # the old column's entry is gone and the new column's finding is new, never guessed.
    done = dbtgate(
        "check", "--baseline", "dbtgate-baseline.json", "--json", "gate.json", cwd=project
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = read_json(project / "gate.json")
    section = report["sections"]["baseline"]
    assert [(e["unique_id"], e["column_name"]) for e in section["gone"]] == [
        ("model.inc.customers", "cust_id")
    ]
    assert sorted(c["entry"]["column_name"] for c in section["carried"]) == [
        "country",
        "full_name",
        "segment",
    ]
    assert [
        (f["code"], f.get("column_name"))
        for f in report["findings"]
        if f["disposition"] == "blocking"
    ] == [("docs.column_coverage", "customer_id")]
    stdout = " ".join(done.stdout.split())
    assert "and a column's when no base build shows the rename (`--base`)" in stdout
    # Named on the model as it is called now: the model was not deleted, its column was.
    assert (
        "1 entry on resources or columns no longer in the build (docs.column_coverage on "
        "model.inc.clients.cust_id (was model.inc.customers))"
    ) in stdout

    pruned = dbtgate("baseline", "--base", "base", "--prune", cwd=project)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    entries = read_json(project / "dbtgate-baseline.json")["findings"]
    assert sorted((e["unique_id"], e["column_name"]) for e in entries) == [
        ("model.inc.clients", "country"),
        ("model.inc.clients", "customer_id"),
        ("model.inc.clients", "full_name"),
        ("model.inc.clients", "segment"),
    ]
