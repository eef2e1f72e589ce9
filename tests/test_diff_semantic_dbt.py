"""A metric removed, as dbt-duckdb really builds it: dbt refuses a build whose saved query,
ratio metric or exposure still names a metric it lacks, so the pull request removes the ratio
metric with it and moves the saved query and the dashboard's exposure to another metric. The
build passes; `dbtgate check --base` blocks it, naming the saved query and the dashboard (with
its owner) that read the metric, in gate.json and on the console, on the saved query's line (the
metric's is gone), and lists the ratio metric's removal, and a dimension added, on their YAML
lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import read_json
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow

SEMANTIC = """\
version: 2
models:
  - name: metricflow_time_spine
    time_spine:
      standard_granularity_column: date_day
    columns:
      - name: date_day
        granularity: day
semantic_models:
  - name: orders
    model: ref('orders')
    defaults:
      agg_time_dimension: ordered_at
    entities:
      - name: order
        type: primary
        expr: order_id
    dimensions:
      - name: ordered_at
        type: time
        type_params:
          time_granularity: day
      - name: status
        type: categorical
    measures:
      - name: order_total
        agg: sum
        expr: amount
      - name: order_count
        agg: count
        expr: order_id
metrics:
  - name: revenue
    label: Revenue
    type: simple
    type_params:
      measure: order_total
  - name: orders_placed
    label: Orders
    type: simple
    type_params:
      measure: order_count
  - name: average_order
    label: Average order
    type: ratio
    type_params:
      numerator: revenue
      denominator: orders_placed
saved_queries:
  - name: revenue_by_status
    query_params:
      metrics: [revenue]
      group_by: ["Dimension('order__status')"]
exposures:
  - name: revenue_dashboard
    type: dashboard
    owner: {name: Finance, email: finance@example.com}
    depends_on:
      - metric('revenue')
"""
REVENUE = """\
  - name: revenue
    label: Revenue
    type: simple
    type_params:
      measure: order_total
"""
AVERAGE = """\
  - name: average_order
    label: Average order
    type: ratio
    type_params:
      numerator: revenue
      denominator: orders_placed
"""


def test_a_removed_metric_blocks_with_the_saved_query_and_dashboard_that_read_it(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    (project / "models/orders.sql").write_text(
        "select 1 as order_id, 'shipped' as status, 10.0 as amount, current_date as ordered_at\n",
        encoding="utf-8",
    )
    (project / "models/metricflow_time_spine.sql").write_text(
        "select cast(range as date) as date_day\n"
        "from range(date '2020-01-01', date '2020-02-01', interval 1 day)\n",
        encoding="utf-8",
    )
    semantic = project / "models/semantic.yml"
    semantic.write_text(SEMANTIC, encoding="utf-8")
    done = dbt(project, tmp_path / "production.duckdb", "base", "build")
    assert done.returncode == 0, done.stdout

    # The pull request: revenue goes, with the ratio metric built on it; the saved query and
    # the dashboard move to orders_placed; a dimension is added. dbt builds it.
    text = SEMANTIC.replace(REVENUE, "").replace(AVERAGE, "")
    text = text.replace("metrics: [revenue]", "metrics: [orders_placed]")
    text = text.replace("metric('revenue')", "metric('orders_placed')")
    status = "      - name: status\n        type: categorical\n"
    channel = "      - name: channel\n        type: categorical\n        expr: \"'web'\"\n"
    text = text.replace(status, status + channel)
    semantic.write_text(text, encoding="utf-8")
    done = dbt(project, tmp_path / "ci.duckdb", "target", "build")
    assert done.returncode == 0, done.stdout

    report = tmp_path / "gate.json"
    result = dbtgate(
        *("check", "--base", "base", "--artifacts", "target", "--json", str(report)),
        cwd=project,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    document = read_json(report)
    [finding] = [f for f in document["findings"] if f["code"] == "breaking.semantic_removed"]
    assert finding["unique_id"] == "metric.inc.revenue"
    assert finding["severity"] == "error"
    # Its entry is gone: it is on that of the saved query that read it, which the pull request
    # changed (the dashboard's exposure is as near: the saved query is named first).
    assert finding["path"] == "models/semantic.yml"
    assert text.splitlines()[finding["line"] - 1] == "  - name: revenue_by_status"
    assert finding["message"] == (
        "metric revenue removed: queries of the semantic layer that name it fail; affects 1 "
        "saved query (revenue_by_status) and 1 exposure (revenue_dashboard); readers' owners: "
        "Finance"
    )
    impact = finding["details"]["impact"]
    assert [(c["name"], c["resource_type"], c["depth"]) for c in impact["models"]] == [
        ("revenue_by_status", "saved_query", 1)
    ]
    assert [c["name"] for c in impact["exposures"]] == ["revenue_dashboard"]
    # The console says it as gate.json does, with the way out.
    console = " ".join(result.stdout.split())
    assert "breaking.semantic_removed" in console
    assert "affects 1 saved query (revenue_by_status) and 1 exposure (revenue_dashboard)" in console
    # The diff lists the rest: the ratio metric removed with it (risky: nothing kept read it),
    # the dimension added on its own line.
    changes = {
        (c["code"], c["unique_id"], c.get("key")): c
        for c in document["sections"]["diff"]["changes"]
    }
    assert ("risky.semantic_removed", "metric.inc.average_order", None) in changes
    added = changes[("safe.semantic_added", "semantic_model.inc.orders", "dimension:channel")]
    assert added["path"] == "models/semantic.yml"
    line = text.splitlines()[added["line"] - 1]
    assert line.strip() == "- name: channel"
