"""What a change fixed, on builds dbt-duckdb really ran: a base build whose seed would not
load, whose model and snapshot errored and whose tests failed, and a pull request's build that
fixes them all. The reports list each as what it is, `--select` keeps the selection's, and a
test the pull request only renamed is, as dbt sees it, another test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow

PROJECT = (
    "name: inc\nversion: '1.0'\nprofile: inc\n"
    "seeds:\n  inc:\n    payments:\n      +column_types: {amount: integer}\n"
)
SNAPSHOT = (
    "{% snapshot orders_history %}\n"
    "{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}\n"
    "select 1 as id, COLUMN from (select 'placed' as status)\n{% endsnapshot %}\n"
)
PROPERTIES = """models:
  - name: orders
    columns:
      - name: id
        data_tests: [not_null, unique]
      - name: status
        data_tests:
          - accepted_values:
              NAMEarguments:
                values: [placed, shipped]
  - name: totals
"""
BASE = {
    "dbt_project.yml": PROJECT,
    # `n/a` is no integer: the seed does not load.
    "seeds/payments.csv": "id,amount\n1,10\n2,n/a\n",
    # A duplicate id and a status the accepted values do not know: two tests fail.
    "models/orders.sql": "select 1 as id, 'placed' as status union all select 1, 'lost'\n",
    # Neither the model nor the snapshot reads orders, whose failing tests would skip them.
    "models/totals.sql": "select sum(amountt) as total from (select 1 as amount)\n",
    "models/schema.yml": PROPERTIES.replace("NAME", ""),
    "snapshots/orders_history.sql": SNAPSHOT.replace("COLUMN", "statuss"),
}
# The pull request: the seed's value, the model's data and column name, the snapshot's column
# fixed; the accepted values test given a name of its own.
PR = {
    **BASE,
    "seeds/payments.csv": "id,amount\n1,10\n2,20\n",
    "models/orders.sql": "select 1 as id, 'placed' as status union all select 2, 'shipped'\n",
    "models/totals.sql": "select sum(amount) as total from (select 1 as amount)\n",
    "models/schema.yml": PROPERTIES.replace("NAME", "name: status_known\n              "),
    "snapshots/orders_history.sql": SNAPSHOT.replace("COLUMN", "status"),
}


def build(project: Path, files: dict[str, str], database: Path, target: str) -> None:
    for relative, text in files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    dbt(project, database, target, "build")


def test_a_release_that_fixes_a_seed_a_snapshot_a_model_and_tests(tmp_path: Path) -> None:
    project = tmp_path / "project"
    build(project, BASE, tmp_path / "base.duckdb", "base")
    base_run = json.loads((project / "base" / "run_results.json").read_text())
    failed = {
        r["unique_id"].split(".")[2]
        for r in base_run["results"]
        if r["status"] not in ("pass", "success")
    }
    renamed = "accepted_values_orders_status__placed__shipped"
    assert failed == {"payments", "totals", "orders_history", "unique_orders_id", renamed}
    build(project, PR, tmp_path / "ci.duckdb", "target")
    pr_run = json.loads((project / "target" / "run_results.json").read_text())
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in pr_run["results"]}
    assert statuses["status_known"] == "pass" and renamed not in statuses

    out = tmp_path / "reports"
    gate = ("check", "--base", "base", "--artifacts", "target")
    done = dbtgate(*gate, "-q", "--out", str(out), "--format", "json,md", cwd=project)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    fixed = json.loads((out / "gate.json").read_text())["sections"]["fixed"]
    names = {kind: [entry["name"] for entry in entries] for kind, entries in fixed.items()}
    # The accepted values test failed as accepted_values_orders_status__placed__shipped and
    # passes as status_known: another unique_id, another test to dbt, not listed as fixed.
    assert names == {
        "tests": ["unique_orders_id"],
        "models": ["totals"],
        "seeds": ["payments"],
        "snapshots": ["orders_history"],
    }
    assert {entry["was"] for entries in fixed.values() for entry in entries} == {"error", "fail"}
    markdown = (out / "gate.md").read_text()
    assert "- 1 seed that errored in the base build loads now: `payments`\n" in markdown
    assert "- 1 snapshot that errored in the base build runs now: `orders_history`\n" in markdown
    assert "- 1 model that errored in the base build builds now: `totals`\n" in markdown

    console = dbtgate(*gate, "--select", "orders totals", cwd=project)
    assert console.returncode in (0, 1), console.stdout + console.stderr
    said = "fixed since the base build: 1 test, 1 model\n"
    assert said in console.stdout, console.stdout
