"""Performance rules: what makes the build slow, read from the DAG and from the last run.

A slow model rarely fails anything: it stretches the build until it misses the hour the
dashboards refresh, one release at a time. dbt-project-evaluator flags chains of views (their
queries all run when the last one is read); dbt-checkpoint asks a model that many models read to
be stored; dbt-bouncer holds each node of the last run to a maximum duration and, on BigQuery,
to a maximum of bytes billed. All three are
policies a team sets per selection (a tier-1 mart may take longer than a staging view), so they
are rules here, not part of the run status family.
"""

from __future__ import annotations

from dbtgate.artifacts.manifest import Node, materialized_as
from dbtgate.artifacts.run_results import NodeResult
from dbtgate.project import Project, display_name
from dbtgate.rules.registry import Count, Gigabytes, Seconds, Violation, rule
from dbtgate.wording import amount, counted


@rule(
    "performance.execution_time",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "test"),
    needs=("run_results",),
    why="""
        Execution times creep up as data grows and queries gain joins: a model that took ten
        seconds takes ten minutes a year later, and nobody decided it should. A ceiling turns
        that drift into a finding on the pull request that crossed it, while the fix is still
        small (an incremental strategy, a filter, a table instead of a view upstream).
    """,
    failing="""
        # dbtgate.yml
        policies:
          - select: "tier:1"
            rules: {performance.execution_time: {max_seconds: 300}}
        # run_results.json: fct_orders ran for 742.3 s
        # tests too, under a policy of their own:
        #   - select: "resource_type:test"
        #     rules: {performance.execution_time: {max_seconds: 120}}
    """,
    passing="""
        # run_results.json: fct_orders ran for 41.0 s (incremental)
    """,
    fix="Make the model cheaper (incremental, fewer rows scanned, a table upstream instead of "
    "a view), or raise `max_seconds` for the selection it belongs to.",
)
def execution_time(
    resource: Node, project: Project, *, max_seconds: Seconds = 600.0
) -> Violation | None:
    """The resource took at most `max_seconds` to build (a test: to run) in the last run
    (run_results.json).

    A slow data test holds the build up as a slow model does; `*` selects no tests, a policy
    on `resource_type:test` gives them a ceiling of their own.

    Resources the run did not execute pass, as does every resource when run_results.json is
    absent or was written by a command that runs nothing (`dbt compile`, `dbt docs generate`):
    the run status family says so in its notes."""
    result = _last_result(resource, project)
    if result is None or result.status == "skipped" or result.execution_time is None:
        return None
    took = result.execution_time
    if took <= max_seconds:
        return None
    return Violation(
        f"{display_name(resource)} took {took:,.1f} s {_doing(resource)} in the last run; "
        f"at most {max_seconds:g} s",
        details={"execution_time": took, "max_seconds": max_seconds, "status": result.status},
    )


@rule(
    "performance.bytes_billed",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "test"),
    needs=("bytes_billed",),
    why="""
        On BigQuery's on-demand pricing a query costs what it scans, and every build runs it
        again: a model that reads a whole unpartitioned table, or lost its incremental filter,
        bills terabytes on each run without failing anything. A ceiling per node of the build
        turns that cost into a finding on the pull request that raised it.
    """,
    failing="""
        # dbtgate.yml
        policies:
          - select: "path:models/marts"
            rules: {performance.bytes_billed: {max_gigabytes: 50}}
        # run_results.json: building fct_events billed 1,240.5 GB (a full scan of events)
    """,
    passing="""
        # run_results.json: building fct_events billed 3.2 GB (incremental on event_date)
    """,
    fix="Make the query scan less (partition and cluster what it reads, filter on the partition "
    "column, build it incrementally), or raise `max_gigabytes` for the selection it belongs to.",
)
def bytes_billed(
    resource: Node, project: Project, *, max_gigabytes: Gigabytes = 100.0
) -> Violation | None:
    """The resource's query billed at most `max_gigabytes` (10^9 bytes) in the last run, as
    dbt-bigquery records it in run_results.json (`adapter_response.bytes_billed`).

    A data test's query bills as a model's does; `*` selects no tests, a policy on
    `resource_type:test` gives them a ceiling of their own.

    A result that records no bytes billed (a seed's load, a skipped node, another adapter) is
    not judged; a run in which none records any checks nothing, and the policies family says so
    in a note."""
    result = _last_result(resource, project)
    response = result.adapter_response if result is not None else None
    if response is None or response.bytes_billed is None:
        return None
    billed = response.bytes_billed / 1e9
    if billed <= max_gigabytes:
        return None
    return Violation(
        f"{display_name(resource)} billed {amount(billed)} GB {_doing(resource)} in the last run; "
        f"at most {max_gigabytes:g} GB",
        details={"bytes_billed": response.bytes_billed, "max_gigabytes": max_gigabytes},
    )


def _last_result(resource: Node, project: Project) -> NodeResult | None:
    """The resource's result in the last run, when that run executed something (None without
    one, or when it did not run the resource): what the rules on the last run's costs read."""
    index = project.executed_run()
    return index.results.get(resource.unique_id) if index is not None else None


def _doing(resource: Node) -> str:
    """What the run did with the resource: a test ran, anything else was built."""
    return "to run" if resource.resource_type == "test" else "to build"


@rule(
    "performance.chained_views",
    severity="warn",
    applies_to=("model",),
    why="""
        A view stores nothing: reading it runs its query, and the queries of every view and
        ephemeral model it reads in turn. At the end of a long chain of them one query does
        all the work of the chain, every time it is read, and the warehouse plans it as one
        statement that grows with each link.
    """,
    failing="""
        # int_orders_a -> int_orders_b -> int_orders_c -> int_orders_d (all views)
        #   -> fct_orders: fct_orders reads a chain of 4
    """,
    passing="""
        # int_orders_b materialized as a table: the longest chain fct_orders reads is 2
    """,
    fix="Materialize a model in the middle of the chain as a table (or incremental), so that "
    "its work is done once per build.",
)
def chained_views(model: Node, project: Project, *, max: Count = 3) -> Violation | None:
    """The model reads a chain of at most `max` views and ephemeral models.

    `v1 -> v2 -> v3 -> model` is a chain of 3, as dbt-project-evaluator counts them (it flags
    4 and more). Reported once per chain, where it ends: a view or ephemeral model that
    another model reads is part of that model's longer chain, which is reported there."""
    chain = project.view_chain(model.unique_id)
    if len(chain) <= max:
        return None
    if project.is_virtual(model.unique_id) and project.model_readers(model.unique_id):
        return None
    names = " -> ".join(display_name(project.nodes[uid]) for uid in chain)
    links = "view or ephemeral model" if len(chain) == 1 else "views and ephemeral models"
    return Violation(
        f"{display_name(model)} reads a chain of {len(chain)} {links} ({names}); at most {max}",
        details={"chain": chain, "max": max},
    )


@rule(
    "performance.materialization_by_children",
    severity="warn",
    applies_to=("model",),
    why="""
        A view or ephemeral model stores nothing: each model that reads it runs its query
        again, so its work is done once per reader on every build. Past a few readers, a table
        (or an incremental model) does that work once. The other way round, a table that one
        model reads may be storage and build time spent on an intermediate step.
    """,
    failing="""
        # policy: performance.materialization_by_children: {threshold: 3}
        # stg_orders (a view) is read by 5 models: customers, orders, fct_revenue, ...
    """,
    passing="""
        models:
          - name: stg_orders
            config:
              materialized: table
    """,
    fix="Materialize the model as a table (or incremental) when many models read it; with "
    "`both_ways`, as a view when few do.",
)
def materialization_by_children(
    model: Node, project: Project, *, threshold: Count = 5, both_ways: bool = False
) -> Violation | None:
    """A view or ephemeral model is read by at most `threshold` models; with `both_ways`,
    any other model (a table, incremental, ...) by more than `threshold`.

    Only models count as readers, as in modeling.children. `both_ways` is dbt-checkpoint's
    check-model-materialization-by-childs (`--threshold-childs`), which also flags every table
    that few models read: marts that dashboards read, read by no model, included (select them
    out, or waive them). Python models, which dbt cannot build as views, are judged one way
    only."""
    readers = project.model_readers(model.unique_id)
    materialized = materialized_as(model)
    details = {"models": readers, "materialized": materialized, "threshold": threshold}
    read_by = f"{display_name(model)} is materialized as {materialized} and read by"
    if project.is_virtual(model.unique_id):
        if len(readers) <= threshold:
            return None
        return Violation(
            f"{read_by} {counted(len(readers), 'model')}, more than {threshold}: each runs its "
            "query again",
            details=details,
        )
    if not both_ways or model.language == "python" or len(readers) > threshold:
        return None
    return Violation(
        f"{read_by} {counted(len(readers), 'model')}, {threshold} or fewer: a view would do",
        fix="Materialize the model as a view (or ephemeral), or select it out of the policy "
        "if something other than models reads it.",
        details=details,
    )
