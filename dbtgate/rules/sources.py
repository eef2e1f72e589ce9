"""Source rules: every source table says how fresh it must be, and is read by something.

A stale source does not fail any model: the models build happily on yesterday's data. Only a
freshness threshold turns "the loader stopped" into a warning or an error in
`dbt source freshness` (whose results the gate reads), so the threshold itself is a policy.
"""

from __future__ import annotations

from dbtgate.artifacts.manifest import FreshnessThreshold, Source
from dbtgate.project import Project
from dbtgate.rules.registry import Violation, rule


def _set(threshold: FreshnessThreshold | None) -> bool:
    return threshold is not None and bool(threshold.count) and bool(threshold.period)


@rule(
    "sources.freshness_configured",
    severity="warn",
    applies_to=("source",),
    why="""
        Without a threshold, `dbt source freshness` has nothing to check and a loader that
        stopped goes unnoticed until someone reads a dashboard with old numbers.
    """,
    failing="""
        sources:
          - name: shop_raw
            tables:
              - name: raw_customers
    """,
    passing="""
        sources:
          - name: shop_raw
            tables:
              - name: raw_customers
                config:
                  loaded_at_field: _loaded_at
                  freshness:
                    warn_after: {count: 24, period: hour}
                    error_after: {count: 48, period: hour}
    """,
    fix="Add `freshness:` with `warn_after` and/or `error_after` (and a `loaded_at_field`, "
    "unless the adapter reads freshness from warehouse metadata).",
)
def freshness_configured(source: Source, *, require_error_after: bool = False) -> Violation | None:
    """The source table has a freshness threshold (`warn_after` or `error_after`).

    With `require_error_after`, only `error_after` counts: a warning alone never fails a run.
    """
    freshness = source.freshness
    warn = _set(freshness.warn_after) if freshness else False
    error = _set(freshness.error_after) if freshness else False
    if error or (warn and not require_error_after):
        return None
    name = f"{source.source_name}.{source.name}"
    if warn:
        return Violation(f"source {name} has warn_after but no error_after freshness threshold")
    return Violation(f"source {name} has no freshness threshold")


@rule(
    "sources.unused",
    severity="warn",
    applies_to=("source",),
    why="""
        A declared source that nothing reads is documentation of a table the project does not
        use: its freshness checks and tests cost warehouse time, and readers assume it matters.
    """,
    failing="""
        sources:
          - name: shop_raw
            tables:
              - name: legacy_orders   # no model selects from it
    """,
    passing="""
        -- models/staging/stg_orders.sql
        select * from {{ source('shop_raw', 'orders') }}
    """,
    fix="Read the table from a staging model, or delete its declaration.",
)
def unused(source: Source, project: Project) -> Violation | None:
    """The source table is read by a model, snapshot, exposure or other resource (its own tests
    do not count)."""
    if project.readers(source.unique_id):
        return None
    return Violation(f"source {source.source_name}.{source.name} is declared but nothing reads it")
