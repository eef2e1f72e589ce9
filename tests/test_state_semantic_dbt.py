"""`state:` selects the semantic layer (semantic models, metrics, saved queries) and a source's
quoting and external config as dbt's own `state:` selects them, asked of the real dbt.

A small dbt-duckdb project with a semantic model, metrics, a saved query and an exposure on a
metric is parsed, edited as a pull request edits one (a metric's description, label and
type_params, a dimension's description, the semantic model's label, a saved query's group_by,
a metric added, a source's quoting and external location), and parsed again; `dbt ls --state
<the first parse>` answers each selector (tests/dbt_ls.py) and dbtgate's `Selection` on the
two manifests must answer the same. The edits dbt does not count (a metric's type_params, a
semantic model's label) stay in the change set for `scope: changed`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_select_dbt import dbt_ls, dbt_parse, differences_from_dbt

from dbtgate.select import Selection
from dbtgate.state import compare_builds
from dbtgate.state_modified import DbtState

pytestmark = pytest.mark.slow

SEMANTIC_YML = """\
version: 2
sources:
  - name: raw
    schema: main
    tables:
      - name: quoted
      - name: landed
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
  - name: shipments
    model: ref('orders')
    entities:
      - name: shipment
        type: primary
        expr: order_id
    dimensions:
      - name: shipped_at
        type: time
        type_params:
          time_granularity: day
    measures:
      - name: shipment_count
        agg: count
        expr: order_id
        agg_time_dimension: shipped_at
metrics:
  - name: revenue
    label: Revenue
    description: money in
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
  - name: shipped
    label: Shipments
    type: simple
    type_params:
      measure: shipment_count
saved_queries:
  - name: revenue_by_status
    query_params:
      metrics: [revenue]
      group_by: ["Dimension('order__status')"]
  - name: orders_by_day
    query_params:
      metrics: [orders_placed]
      group_by: ["TimeDimension('metric_time', 'day')"]
exposures:
  - name: revenue_dashboard
    type: dashboard
    owner: {name: Finance}
    depends_on:
      - metric('revenue')
"""

BASE = {
    "dbt_project.yml": "name: tiny\nversion: '1.0.0'\nconfig-version: 2\nprofile: tiny\n",
    "models/orders.sql": "select 1 as order_id, 'x' as status, 10.0 as amount, "
    "current_date as ordered_at, current_date as shipped_at\n",
    "models/metricflow_time_spine.sql": "select cast(range as date) as date_day from "
    "range(date '2020-01-01', date '2020-02-01', interval 1 day)\n",
    "models/semantic.yml": SEMANTIC_YML,
}
# The pull request: text replaced, by.
EDITS = [
    ("description: money in", "description: money in, net"),
    ("label: Average order", "label: Average order value"),
    ("      measure: order_count\n", "      measure: order_total\n"),  # type_params only
    ("      - name: status\n", "      - name: status\n        description: order status\n"),
    ("  - name: shipments\n    model:", "  - name: shipments\n    label: Shipped\n    model:"),
    (
        """group_by: ["TimeDimension('metric_time', 'day')"]""",
        """group_by: ["TimeDimension('metric_time', 'month')"]""",
    ),
    ("      - name: quoted\n", "      - name: quoted\n        quoting: {identifier: true}\n"),
    (
        "      - name: landed\n",
        "      - name: landed\n        external: {location: 's3://bucket/landed/'}\n",
    ),
    ("\nmodels:\n", "\n      - name: added_table\nmodels:\n"),
    (
        "saved_queries:",
        "  - name: big_orders\n    label: Big orders\n    type: simple\n    type_params:\n"
        "      measure: order_total\n    filter: \"{{ Dimension('order__status') }} = 'big'\"\n"
        "saved_queries:",
    ),
]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """The project edited as the pull request, with the base's parse in `base_target`."""
    project = tmp_path_factory.mktemp("state_semantic") / "project"
    for name, text in BASE.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    database = project.parent / "tiny.duckdb"
    (project / "profiles.yml").write_text(
        f"tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{database}'\n",
        encoding="utf-8",
    )
    dbt_parse(project, "base_target")
    path = project / "models/semantic.yml"
    text = path.read_text(encoding="utf-8")
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    dbt_parse(project)
    return project, project / "base_target"


LINES = [
    "state:modified",
    "state:new",
    *(f"state:modified,resource_type:{kind}" for kind in ("metric", "semantic_model")),
    "state:modified,resource_type:saved_query",
    "state:modified,resource_type:source",
    "state:new,resource_type:metric",
    "state:unmodified,resource_type:metric",
    "state:modified.configs,resource_type:metric",
    "state:modified.configs,resource_type:semantic_model",
    "state:modified.relation,resource_type:source",
    "state:new,resource_type:source",
    "state:unmodified,resource_type:source",
    "state:modified,metric:*",
    "metric:average_order+",
    "+metric:average_order",
]


def test_state_selects_the_semantic_layer_as_dbt_ls_does(builds) -> None:
    from dbtgate.artifacts import load_artifacts
    from dbtgate.project import Project

    project_dir, base_target = builds
    pr = Project.from_artifacts(load_artifacts(project_dir / "target"))
    base = Project.from_artifacts(load_artifacts(base_target))
    changes = compare_builds(pr, base)
    selection = Selection(pr, DbtState(pr, base, changes))
    answers = dbt_ls(project_dir, LINES, state=base_target)
    assert differences_from_dbt(selection, LINES, answers, "tiny") == {}
    # What each edit is to dbt, so that agreeing proves something.
    modified = set(answers["state:modified"])
    assert {
        "metric.tiny.revenue",
        "metric.tiny.average_order",
        "semantic_model.tiny.orders",
        "saved_query.tiny.orders_by_day",
        "source.tiny.raw.quoted",
        "source.tiny.raw.landed",
    } <= modified
    assert (
        not {
            "metric.tiny.orders_placed",
            "semantic_model.tiny.shipments",
            "saved_query.tiny.revenue_by_status",
        }
        & modified
    )
    # The change set holds what dbt does not count, and names what dbt does.
    assert changes.modified["metric.tiny.orders_placed"] == ["type_params"]
    assert changes.modified["semantic_model.tiny.shipments"] == ["label"]
    assert changes.modified["semantic_model.tiny.orders"] == ["dimension status changed"]
    assert changes.modified["saved_query.tiny.orders_by_day"] == ["query_params.group_by"]
    assert changes.modified["source.tiny.raw.quoted"] == ["quoting"]
    assert changes.modified["source.tiny.raw.landed"] == ["external"]
    # A new metric (or source) is `state:new` and in `state:modified.configs`, but not
    # `state:modified`: dbt-core's `same_contents` of these answers "the same" without an old one.
    assert "metric.tiny.big_orders" in changes.new
    assert "metric.tiny.big_orders" in answers["state:modified.configs,resource_type:metric"]
    assert "metric.tiny.big_orders" not in modified
    assert "source.tiny.raw.added_table" in answers["state:new,resource_type:source"]
    assert "source.tiny.raw.added_table" not in modified
    assert modified <= changes.changed()
