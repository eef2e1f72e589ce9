"""Source rules: every source table says how fresh it must be, is read by something, and is
declared once.

A stale source does not fail any model: the models build happily on yesterday's data. Only a
freshness threshold turns "the loader stopped" into a warning or an error in
`dbt source freshness` (whose results the gate reads), so the threshold itself is a policy.
"""

from __future__ import annotations

from dbtgate.artifacts.manifest import FreshnessThreshold, Source
from dbtgate.project import Project, display_name
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
    "sources.loader_configured",
    severity="warn",
    applies_to=("source",),
    why="""
        When a source goes stale, the first question is which tool loads it: Fivetran, an
        Airbyte connection, a script on a server. `loader` answers it in the project itself,
        and dbtgate's freshness findings name it in their fix.
    """,
    failing="""
        sources:
          - name: shop_raw
            tables:
              - name: raw_orders
    """,
    passing="""
        sources:
          - name: shop_raw
            loader: fivetran
            tables:
              - name: raw_orders
    """,
    fix="Set `loader:` on the source (it applies to all its tables).",
)
def loader_configured(source: Source) -> Violation | None:
    """The source names its `loader` (the tool that loads its tables).

    As dbt-bouncer's check_source_loader_populated."""
    if source.loader and source.loader.strip():
        return None
    return Violation(f"{display_name(source)} has no loader")


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


@rule(
    "sources.duplicate",
    severity="warn",
    applies_to=("source",),
    why="""
        Two declarations of one table split it in two: models read it under either name, the
        lineage shows two sources where the warehouse has one table, and the freshness checks,
        tests and descriptions are kept twice and drift apart.
    """,
    failing="""
        sources:
          - name: shop_raw
            schema: raw
            tables:
              - name: orders
          - name: legacy_shop
            schema: raw
            tables:
              - name: old_orders
                identifier: orders   # raw.orders again
    """,
    passing="""
        sources:
          - name: shop_raw
            schema: raw
            tables:
              - name: orders   # the one declaration; every model reads source('shop_raw', 'orders')
    """,
    fix="Keep one declaration of the table and point every `source()` at it (for a table an "
    "installed package declares, read the package's source, or change it with `overrides:`).",
)
def duplicate(source: Source, project: Project) -> Violation | None:
    """No other source table points at the same relation (database, schema and identifier).

    Names are compared case-insensitively, the identifier being the table's name when unset; a
    source without a database matches only another without one. The other source may belong to
    an installed package: redeclaring a table a package already declares is the same split. As
    dbt-project-evaluator's fct_duplicate_sources.
    """
    same = project.duplicate_sources().get(source.unique_id)
    if not same:
        return None
    others = [uid for uid in same if uid != source.unique_id]
    names = []
    for uid in others:
        other = project.sources[uid]
        name = display_name(other)
        if other.package_name != source.package_name:
            name += f" (package {other.package_name})"
        names.append(name)
    relation = ".".join(
        part for part in (source.database, source.schema, source.identifier or source.name) if part
    )
    return Violation(
        f"{display_name(source)} points at the same table as {', '.join(names)} ({relation})",
        details={"sources": others, "relation": relation},
    )
