"""A model or seed removed, as dbt-duckdb really runs it: dbt drops no relation, so the old table
stays in production's warehouse with the data of its last build, and what queries it by name
reads stale data rather than failing. `dbtgate diff` says so, and production's next build does
just that."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from cli_support import dbtgate
from policy_support import read_json
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow

EXPOSURE = """exposures:
  - name: orders_report
    type: dashboard
    owner: {name: BI, email: bi@example.com}
    depends_on: [ref('reported')]
"""


def test_a_removed_model_or_seed_leaves_its_old_table_stale(tmp_path: Path) -> None:
    project = tmp_path / "project"
    models, seeds = project / "models", project / "seeds"
    for folder in (models, seeds):
        folder.mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\nmodels:\n  +materialized: table\n",
        encoding="utf-8",
    )
    (models / "legacy.sql").write_text("select 1 as id\n", encoding="utf-8")
    (models / "reported.sql").write_text("select 2 as id\n", encoding="utf-8")
    (models / "exposures.yml").write_text(EXPOSURE, encoding="utf-8")
    (seeds / "countries.csv").write_text("id,name\n1,Norway\n", encoding="utf-8")
    production = tmp_path / "production.duckdb"
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, production, "base", *args)
        assert done.returncode == 0, done.stdout
    # The pull request deletes both models, the dashboard's YAML with one, and the seed.
    for gone in (models / "legacy.sql", models / "reported.sql", models / "exposures.yml"):
        gone.unlink()
    (seeds / "countries.csv").unlink()
    (models / "kept.sql").write_text("select 3 as id\n", encoding="utf-8")
    ci = tmp_path / "ci.duckdb"
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, ci, "target", *args)
        assert done.returncode == 0, done.stdout

    report = tmp_path / "diff.json"
    dbtgate("diff", "--base", "base", "--json", str(report), "--artifacts", "target", cwd=project)
    reasons = {
        (change["code"], change["name"]): change["reason"]
        for change in read_json(report)["sections"]["diff"]["changes"]
        if change["code"].endswith("model_removed")
    }
    assert reasons == {
        ("risky.model_removed", "legacy"): "legacy: model deleted or renamed: dbt leaves its old "
        "relation in place, no longer updated; tools outside dbt that query it read stale data",
        ("risky.model_removed", "countries"): "countries: seed deleted or renamed: dbt leaves "
        "its old relation in place, no longer updated; tools outside dbt that query it read "
        "stale data",
        ("breaking.model_removed", "reported"): "reported: model deleted or renamed: dbt leaves "
        "its old relation in place, no longer updated, and the readers that query it read stale "
        "data (the YAML of exposure orders_report is deleted in this pull request; its dashboard "
        "may still query the relation)",
    }

    # Production's next build, from the pull request's project, drops none of them: a query
    # of the old names reads the last data built into them.
    done = dbt(project, production, "production", "build")
    assert done.returncode == 0, done.stdout
    with duckdb.connect(str(production), read_only=True) as connection:
        rows = {
            name: connection.execute(f"select * from main.{name}").fetchall()
            for name in ("legacy", "reported", "countries", "kept")
        }
    assert rows == {
        "legacy": [(1,)],
        "reported": [(2,)],
        "countries": [(1, "Norway")],
        "kept": [(3,)],
    }
