"""run.not_run after the build its own fix names, `dbt build --select state:modified+ --state
<base>`, as dbt-duckdb really runs it: a model whose description changed and which gained a
test is not selected by dbt (its tests are), so it is not "changed but not built"; the test
it gained must still have run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import read_json
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow

PROPERTIES = """models:
  - name: orders
    description: {description}
    columns:
      - name: id
        description: The order.
        data_tests: [{tests}]
"""


def test_a_slim_build_of_a_docs_and_tests_change_is_not_run_only_for_its_tests(tmp_path: Path):
    project = tmp_path / "project"
    models = project / "models"
    models.mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\nmodels:\n  +materialized: table\n",
        encoding="utf-8",
    )
    (models / "orders.sql").write_text("select 1 as id\n", encoding="utf-8")
    (models / "totals.sql").write_text("select count(*) as n from {{ ref('orders') }}\n")
    properties = models / "orders.yml"
    properties.write_text(PROPERTIES.format(description="Orders.", tests="not_null"))
    database = tmp_path / "dev.duckdb"

    def run(*args: str) -> None:
        done = dbt(project, database, "target", *args)
        assert done.returncode == 0, done.stdout

    run("build")
    shutil.copytree(project / "target", tmp_path / "base")
    base = str(tmp_path / "base")
    # The branch describes orders better and tests its id for uniqueness, and edits totals.
    properties.write_text(
        PROPERTIES.format(description="One row per order.", tests="not_null, unique")
    )
    (models / "totals.sql").write_text("select count(*) as orders from {{ ref('orders') }}\n")
    run("build", "--select", "state:modified+", "--state", base)
    report = tmp_path / "gate.json"

    def not_run() -> dict[str, str]:
        dbtgate("check", "--base", base, "--json", str(report), cwd=project)
        findings = read_json(report)["findings"]
        return {f["unique_id"]: f["message"] for f in findings if f["code"] == "run.not_run"}

    assert not_run() == {}
    # Only the edited model built: the test orders gained did not run.
    run("build", "--select", "totals")
    [message] = not_run().values()
    assert message.startswith(
        "model orders changed, but its new or edited test did not run: test.inc.unique_orders_id."
    ), message
    # A `dbt compile` since wrote run_results.json: that is why, named in place of the test.
    run("compile")
    assert not_run()["model.inc.orders"] == (
        "model orders changed, but its new or edited test did not run: run_results.json is "
        "from `dbt compile`, which does not run anything"
    )
