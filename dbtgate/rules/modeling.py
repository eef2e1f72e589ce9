"""Modelling rules: the shape of the DAG, as dbt's style guide and dbt-project-evaluator teach it.

Sources enter the project through one staging model each; models build on models; a model that
reads nothing hard-codes its tables; a model that joins many parents does many things at once; a
model with many leaf children holds logic that belongs in a shared model; a model that reads a
parent again next to a step built only for it has split one concept over two files. None of
this fails a build, which is why it drifts until someone draws the DAG. The rules read the edges
dbt records in `depends_on` (refs and sources), as `Project.parents` and `Project.children`
index them.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any, Literal

from dbtgate.artifacts.manifest import Exposure, Node, Source, file_path
from dbtgate.project import Project, display_name
from dbtgate.rules.naming import DEFAULT_LAYERS, layer_of
from dbtgate.rules.registry import Count, Violation, matches_glob, min_max_bounds, rule
from dbtgate.select import PathPattern
from dbtgate.wording import choices, counted, plural

# Parents that are built by dbt: what a model should read instead of a raw source.
_BUILT = frozenset({"model", "snapshot"})


def _parents(model: Node, project: Project) -> list[str]:
    return project.parents.get(model.unique_id, [])


def _names(project: Project, unique_ids: list[str]) -> str:
    shown = []
    for uid in unique_ids:
        resource = project.resource(uid)
        shown.append(display_name(resource) if resource is not None else uid)
    return ", ".join(shown)


def _at_most(
    resource: Node | Source,
    project: Project,
    related: list[str],
    max: int,
    verb: str,
    noun: str,
) -> Violation | None:
    """A violation when the resource `verb`s more than `max` of `related` (unique_ids, sorted).

    `noun` is singular: with `max: 0`, one is too many, and the message says `1 source`."""
    if len(related) <= max:
        return None
    return Violation(
        f"{display_name(resource)} {verb} {counted(len(related), noun)} "
        f"({_names(project, related)}); at most {max}",
        details={plural(noun).replace(" ", "_"): related, "max": max},
    )


def _sources_read(model: Node, project: Project) -> list[str]:
    return sorted({uid for uid in _parents(model, project) if uid in project.sources})


@rule(
    "modeling.direct_source_join",
    severity="warn",
    applies_to=("model",),
    why="""
        A source read next to models is a source read in two places: its renames, casts and
        filters are written again in each model that reads it raw, and drift apart. Staging
        each source once gives every model the same cleaned columns.
    """,
    failing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}
        join {{ source('shop_raw', 'payments') }} using (order_id)
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}
        join {{ ref('stg_payments') }} using (order_id)
    """,
    fix="Read the source through its staging model (`ref('stg_...')`), creating one if needed.",
)
def direct_source_join(model: Node, project: Project) -> Violation | None:
    """A model that reads other models (or snapshots) does not also read a source directly."""
    sources = _sources_read(model, project)
    if not sources:
        return None
    built = sorted(
        uid
        for uid in set(_parents(model, project))
        if (node := project.nodes.get(uid)) is not None and node.resource_type in _BUILT
    )
    if not built:
        return None
    return Violation(
        f"{display_name(model)} reads {_names(project, sources)} directly, next to "
        f"{_names(project, built)}",
        details={"sources": sources, "models": built},
    )


@rule(
    "modeling.multiple_sources",
    severity="warn",
    applies_to=("model",),
    why="""
        Joining raw sources in one model mixes staging (renaming, casting, deduplicating each
        source) with business logic, so neither can be tested or reused on its own.
    """,
    failing="""
        -- models/staging/stg_orders.sql
        select * from {{ source('shop_raw', 'orders') }}
        join {{ source('shop_raw', 'payments') }} using (order_id)
    """,
    passing="""
        -- models/staging/stg_orders.sql
        select * from {{ source('shop_raw', 'orders') }}
        -- models/staging/stg_payments.sql
        select * from {{ source('shop_raw', 'payments') }}
    """,
    fix="Stage each source in its own model, and join the staging models downstream.",
)
def multiple_sources(model: Node, project: Project, *, max: Count = 1) -> Violation | None:
    """The model reads at most `max` source tables."""
    return _at_most(model, project, _sources_read(model, project), max, "reads", "source")


@rule(
    "modeling.source_fanout",
    severity="warn",
    applies_to=("source",),
    why="""
        Each model that reads a raw table repeats its cleaning (renames, casts, filters,
        deduplication), and the copies drift apart until two models disagree on what the table
        holds. Staged once, the table has one place where its cleaning is written, tested and
        changed when the loader changes, and every model reads the same columns.
    """,
    failing="""
        -- models/staging/stg_orders.sql
        select * from {{ source('shop_raw', 'orders') }}
        -- models/marts/fct_orders.sql
        select * from {{ source('shop_raw', 'orders') }}
    """,
    passing="""
        -- models/staging/stg_orders.sql
        select * from {{ source('shop_raw', 'orders') }}
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}
    """,
    fix="Read the source through one staging model, and `ref()` that model everywhere else.",
)
def source_fanout(source: Source, project: Project, *, max: Count = 1) -> Violation | None:
    """The source table is read directly by at most `max` models.

    Only models count, as in dbt-project-evaluator's fct_source_fanout: they are where cleaning
    gets written. A snapshot of the raw table keeps its history as loaded (dbt advises
    snapshotting sources directly), the table's tests check it, and an exposure reading it is
    governance.exposure_reads_tables's concern; none of them repeats the staging logic."""
    readers = project.model_readers(source.unique_id)
    return _at_most(source, project, readers, max, "is read by", "model")


@rule(
    "modeling.max_parents",
    severity="warn",
    applies_to=("model",),
    why="""
        A model that joins many relations does many things at once: it is hard to read, to test
        and to change, and one slow or broken parent stalls all of it. Intermediate models that
        each join a few give names to the steps.
    """,
    failing="""
        -- models/marts/fct_orders.sql: seven refs and sources in one query
    """,
    passing="""
        -- models/intermediate/int_orders_enriched.sql joins four;
        -- models/marts/fct_orders.sql joins it with the other three
    """,
    fix="Split the joins into intermediate models that each join a few parents.",
)
def max_parents(model: Node, project: Project, *, max: Count = 6) -> Violation | None:
    """The model reads at most `max` models, seeds, snapshots and sources (refs and sources).

    The default flags seven and more, as dbt-project-evaluator's fct_too_many_joins does with
    its default `too_many_joins_threshold` of 7: its threshold T is `max: T-1` here."""
    return _at_most(
        model,
        project,
        sorted(set(_parents(model, project))),
        max,
        "reads",
        "parent",
    )


@rule(
    "modeling.root_model",
    severity="warn",
    applies_to=("model",),
    why="""
        A model that reads no ref and no source reads hard-coded tables: dbt cannot order it
        after what it reads, lineage and impact analysis stop at it, and a renamed table breaks
        it without warning. (Models that generate their rows are the exception: the semantic
        layer's time spine passes, as `time_spine:` in its YAML or by dbt's older name
        `metricflow_time_spine` says it is one; waive any other date spine.)
    """,
    failing="""
        -- models/marts/fct_orders.sql
        select * from analytics.raw.orders
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}
    """,
    fix="Replace hard-coded table names with `ref()` or `source()` (declare the table as a "
    "source first).",
)
def root_model(model: Node, project: Project) -> Violation | None:
    """The model reads at least one model, seed, snapshot or source, or is the semantic
    layer's time spine, which generates its dates."""
    if _parents(model, project) or model.time_spine is not None:
        return None
    if model.name == "metricflow_time_spine":
        return None
    return Violation(
        f"{display_name(model)} reads no model, seed, snapshot or source (no ref or source)"
    )


@rule(
    "modeling.fanout",
    severity="warn",
    applies_to=("model",),
    why="""
        Many end-of-line models built on one parent usually repeat the same joins and
        aggregations for each consumer; that shared logic belongs in one model the others read,
        so it is computed, tested and fixed once.
    """,
    failing="""
        # fct_orders feeds three leaf models (nothing reads them):
        # rpt_daily, rpt_weekly, rpt_by_region
    """,
    passing="""
        # fct_orders feeds agg_orders, which the three reports read
    """,
    fix="Move the logic the leaf models share into an intermediate model they all read.",
)
def fanout(model: Node, project: Project, *, max: Count = 2) -> Violation | None:
    """The model has at most `max` direct children that are leaf models (models that nothing
    but tests reads; an exposure counts as a reader).

    The default flags three and more, as dbt-project-evaluator's fct_model_fanout does with its
    default `models_fanout_threshold` of 3: its threshold T is `max: T-1` here."""
    leaves = [uid for uid in project.model_readers(model.unique_id) if not project.readers(uid)]
    return _at_most(model, project, leaves, max, "feeds", "leaf model")


# What a rejoined parent may be: anything a model reads.
_READABLE = frozenset({"model", "seed", "snapshot", "source"})


def _only_reader(uid: str, reader: str, project: Project) -> bool:
    """Whether nothing but `reader` (and tests) reads `uid`. Stops at the first other reader:
    a staging model read by a thousand models is asked once per reader."""
    return all(
        child == reader or child.startswith("test.") for child in project.children.get(uid, ())
    )


@rule(
    "modeling.rejoining_upstream",
    severity="warn",
    applies_to=("model",),
    why="""
        A model that reads a parent and also a model built only for it from that same parent
        has one concept split over two files: the step in between is used nowhere else, yet
        it is a separate relation to build, name and keep in sync, and the parent is read
        twice in one query. Either the step belongs inside this model (a CTE), or this model
        should read the step's output only.
    """,
    failing="""
        -- models/intermediate/int_orders_paid.sql (nothing else reads it)
        select * from {{ ref('stg_orders') }} where status = 'paid'
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}
        join {{ ref('int_orders_paid') }} using (order_id)
    """,
    passing="""
        -- models/marts/fct_orders.sql: the step as a CTE, stg_orders read once
        with paid as (select * from {{ ref('stg_orders') }} where status = 'paid')
        select * from {{ ref('stg_orders') }} join paid using (order_id)
    """,
    fix="Move the single-use model's logic into this model as a CTE, or read only the "
    "single-use model and pass the columns this model needs through it.",
)
def rejoining_upstream(model: Node, project: Project) -> Iterator[Violation]:
    """The model does not read a parent both directly and through a model that nothing else
    reads.

    As dbt-project-evaluator's fct_rejoining_of_upstream_concepts: the model is reported when
    it reads a model A and a parent P (a model, seed, snapshot or source) that A reads too,
    and A has no reader but this model. Tests on A do not make it shared; an exposure does
    (A is then a result people use, not a step of this model), where dbt-project-evaluator
    ignores exposures. One finding per A and P."""
    parents = set(_parents(model, project))
    for through_id in sorted(parents):
        through = project.nodes.get(through_id)
        if through is None or through.resource_type != "model":
            continue
        shared = parents.intersection(_parents(through, project))
        shared.discard(model.unique_id)
        if not shared or not _only_reader(through_id, model.unique_id, project):
            continue
        for parent_id in sorted(shared):
            parent = project.nodes.get(parent_id) or project.sources.get(parent_id)
            if parent is None or parent.resource_type not in _READABLE:
                continue
            yield Violation(
                f"{display_name(model)} reads {display_name(parent)} both directly and "
                f"through {display_name(through)}, which nothing else reads",
                key=f"{parent_id} via {through_id}",
                details={"parent": parent_id, "through": through_id},
            )


def _known_layers(params: dict[str, Any]) -> str | None:
    unknown = [name for name in params["same_layer"] if name not in params["layers"]]
    if unknown:
        return f"same_layer names {', '.join(unknown)}, which `layers` does not (known: " + (
            ", ".join(params["layers"]) + ")"
        )
    return None


@rule(
    "modeling.layer_order",
    severity="warn",
    applies_to=("model",),
    why="""
        Layers say where logic lives: staging models clean one source each, intermediate models
        combine them, marts serve readers. A staging model that reads a mart, or an intermediate
        model that reads one, ties the early layers to the late ones: a change to a mart then
        reaches the models it is built from, and no layer can be reasoned about on its own.
    """,
    failing="""
        -- models/staging/stg_orders.sql
        select * from {{ ref('fct_payments') }}   -- a mart, read by staging
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}
        join {{ ref('int_payments_pivoted') }} using (order_id)
    """,
    fix="Read from an earlier layer: move the shared logic into a staging or intermediate "
    "model, or move this model to the layer it belongs to.",
    params_check=_known_layers,
)
def layer_order(
    model: Node,
    project: Project,
    *,
    layers: dict[str, list[str]] = DEFAULT_LAYERS,
    same_layer: list[str] = ["staging"],  # noqa: B006 - never mutated; the default shows in docs
) -> Iterator[Violation]:
    """The model reads models of earlier layers only (in the order `layers` lists them, from
    the sources to the marts) or of its own layer, except in the layers of `same_layer`, whose
    models read no model of their own layer (a staging model stages one source).

    A model's layer is the innermost folder of its path that `layers` names, else the first
    layer one of whose prefixes starts its name (`layers` as in naming.layer_prefix). Models of
    no layer, and parents of no layer, are not checked. One finding per parent read."""
    layer = layer_of(model, layers)
    if layer is None:
        return
    order = list(layers)
    rank = order.index(layer)
    for parent_id in sorted(set(_parents(model, project))):
        parent = project.nodes.get(parent_id)
        if parent is None or parent.resource_type != "model":
            continue
        parent_layer = layer_of(parent, layers)
        if parent_layer is None:
            continue
        parent_rank = order.index(parent_layer)
        if parent_rank > rank:
            what = f"{display_name(parent)} ({parent_layer}), a later layer"
        elif parent_rank == rank and layer in same_layer:
            what = f"{display_name(parent)}, another {layer} model"
        else:
            continue
        yield Violation(
            f"{display_name(model)} ({layer}) reads {what}",
            key=parent_id,
            details={"layer": layer, "parent": parent_id, "parent_layer": parent_layer},
        )


ParentType = Literal["model", "seed", "snapshot", "source"]


def _parents_limited(params: dict[str, Any]) -> str | None:
    types = params["resource_types"]
    if not types:
        return f"resource_types: give at least one of {choices(typing.get_args(ParentType))}"
    lists = ("model_paths", "parent_names", "forbidden_parent_names")
    empty = [name for name in lists if params[name] is not None and not params[name]]
    if empty:
        return f"{empty[0]}: give at least one (or leave it out to allow any)"
    if all(params[name] is None for name in lists) and set(types) >= set(
        typing.get_args(ParentType)
    ):
        return (
            "give resource_types fewer than model, seed, snapshot and source, or model_paths, "
            "parent_names or forbidden_parent_names: with none, every parent is allowed and "
            "the rule checks nothing"
        )
    return None


def _model_parent_problems(
    parent: Node,
    paths: list[PathPattern],
    model_paths: list[str] | None,
    names: list[str] | None,
    forbidden_names: list[str] | None,
) -> tuple[list[str], dict[str, Any]]:
    """What is wrong with a model of the root project that the model reads: its path, its name
    (as phrases after "reads <parent>"), and the details that say so."""
    problems: list[str] = []
    details: dict[str, Any] = {}
    if paths and not any(pattern.matches(parent) for pattern in paths):
        problems.append(f"in none of {', '.join(model_paths or ())}")
        details |= {"path": file_path(parent), "allowed": model_paths}
    if names is not None and not matches_glob(parent.name, names):
        problems.append(f"a name matching none of {', '.join(names)}")
        details["names"] = names
    forbidden = [name for name in forbidden_names or () if matches_glob(parent.name, [name])]
    if forbidden:
        problems.append(f"a name the policy forbids ({', '.join(forbidden)})")
        details["forbidden_names"] = forbidden
    return problems, details


@rule(
    "modeling.allowed_parents",
    severity="warn",
    applies_to=("model",),
    why="""
        Each layer has its inputs: staging reads sources and seeds, marts read staging and
        intermediate models. A mart that reads a raw source or a seed skips the cleaning and
        tests staging gives them, and one that reads another mart ties two consumers'
        contracts together. `modeling.layer_order` knows the usual layers; this rule states
        any layout's inputs outright, for the models a policy selects.
    """,
    failing="""
        -- policy: {select: "path:models/marts", rules: {modeling.allowed_parents:
        --          {resource_types: [model], model_paths: [models/staging, models/intermediate]}}}
        -- models/marts/fct_orders.sql
        select * from {{ ref('fct_payments') }}            -- a mart
        join {{ ref('country_codes') }} using (country)     -- a seed
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('int_payments') }}
        join {{ ref('stg_country_codes') }} using (country)
    """,
    fix="Read what the model needs through an allowed parent (a staging model over the seed or "
    "source, an intermediate model for shared logic), or move the model to the layer it reads "
    "from; a parent named outside the convention may need renaming.",
    params_check=_parents_limited,
)
def allowed_parents(
    model: Node,
    project: Project,
    *,
    resource_types: list[ParentType] = ["model", "seed", "snapshot", "source"],  # noqa: B006
    model_paths: list[str] | None = None,
    parent_names: list[str] | None = None,
    forbidden_parent_names: list[str] | None = None,
) -> Iterator[Violation]:
    """The model reads only parents of the `resource_types`, and only the project's models
    that are in `model_paths`, named after one of `parent_names` and after none of
    `forbidden_parent_names`.

    `model_paths` are read as the `path:` selector reads them (a folder takes everything
    under it, globs allowed); `parent_names` and `forbidden_parent_names` are names or glob
    patterns (`stg_*`), compared case-insensitively. Both judge the parents that are models of
    the root project; a package's models, seeds, snapshots and sources are judged by their type
    only. One finding per parent. As dbt-bouncer's check_lineage_seed_cannot_be_used
    (`resource_types: [model, snapshot, source]`), check_lineage_source_cannot_be_used
    (`[model, seed, snapshot]`) and check_lineage_permitted_upstream_models (`model_paths`),
    under a policy that selects the models bouncer's `include` names; and as dbt-checkpoint's
    check-model-parents-name-prefix (`--whitelist stg_` is `parent_names: ["stg_*"]`,
    `--blacklist` is `forbidden_parent_names`)."""
    patterns = [PathPattern(path) for path in model_paths or ()]
    root = project.root_package
    for parent_id in sorted(set(_parents(model, project))):
        parent = project.resource(parent_id)
        if parent is None:
            continue
        kind = parent.resource_type
        if kind not in resource_types:
            named = display_name(parent) if kind == "source" else f"{kind} {display_name(parent)}"
            yield Violation(
                f"{display_name(model)} reads {named}, not one of {', '.join(resource_types)}",
                key=parent_id,
                details={"parent": parent_id, "resource_type": kind, "allowed": resource_types},
            )
            continue
        if kind != "model" or parent.package_name != root:
            continue
        problems, details = _model_parent_problems(
            parent, patterns, model_paths, parent_names, forbidden_parent_names
        )
        if problems:
            where = f" ({file_path(parent)})" if "path" in details else ""
            yield Violation(
                f"{display_name(model)} reads {display_name(parent)}{where}, {'; '.join(problems)}",
                key=parent_id,
                details={"parent": parent_id, **details},
            )


@rule(
    "modeling.children",
    severity="warn",
    applies_to=("model", "source"),
    why="""
        A model nothing reads is built, paid for and kept in sync for no one (unless a
        dashboard reads it: select those out, or waive them); a source nothing reads was
        declared and forgotten. A model or source that many models read is one a change
        reaches everywhere: a ceiling says when to put a shared model in between. This rule
        counts the models that read each resource, as a floor, a ceiling or both.
    """,
    failing="""
        # policy: {select: "path:models/intermediate", rules: {modeling.children: {min: 1}}}
        -- models/intermediate/int_orders_pivoted.sql: no model refs it
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('int_orders_pivoted') }}
    """,
    fix="Read the model where it is needed, or remove it; past the ceiling, move what the "
    "readers share into one model they read instead.",
    params_check=min_max_bounds,
)
def children(
    resource: Node | Source, project: Project, *, min: Count = 0, max: Count | None = None
) -> Violation | None:
    """The model or source is read by at least `min` and at most `max` models (`null`: no
    maximum); set at least one.

    Only models count, as in dbt-checkpoint's check-model-parents-and-childs and
    check-source-childs: tests, snapshots and exposures that read it do not
    (`modeling.has_exposure` asks for an exposure)."""
    readers = project.model_readers(resource.unique_id)
    if max is not None and len(readers) > max:
        return _at_most(resource, project, readers, max, "is read by", "model")
    if len(readers) >= min:
        return None
    named = f" ({_names(project, readers)})" if readers else ""
    return Violation(
        f"{display_name(resource)} is read by {counted(len(readers), 'model')}{named}; "
        f"at least {min}",
        details={"models": readers, "min": min},
    )


@rule(
    "modeling.has_exposure",
    severity="warn",
    applies_to=("model",),
    why="""
        A mart is built for someone: a dashboard, a notebook, an application. An exposure
        says who, and that is what puts the consumer, its owner and its URL into the impact
        of every breaking change (and into dbt docs' lineage). A mart no exposure reads is
        either unused, or used by something a change will break without anyone being told.
    """,
    failing="""
        # policy: {select: "path:models/marts", rules: {modeling.has_exposure: warn}}
        -- models/marts/fct_orders.sql: no exposure lists it in depends_on
    """,
    passing="""
        exposures:
          - name: revenue_dashboard
            type: dashboard
            owner: {name: Finance Analytics, email: finance@example.com}
            depends_on: [ref('fct_orders')]
    """,
    fix="Declare the dashboard, notebook or application that reads the model as an exposure "
    "(`exposures:` in a properties YAML, `depends_on: [ref('...')]`), or remove the model if "
    "nothing reads it.",
)
def has_exposure(model: Node, project: Project) -> Violation | None:
    """An exposure reads the model: it is in the `depends_on` of at least one exposure.

    A versioned model's versions are judged each on its own: an exposure that refs the model
    without a version reads its latest only. As dbt-bouncer's check_model_has_exposure."""
    exposures = project.exposures
    if any(uid in exposures for uid in project.children.get(model.unique_id, ())):
        return None
    return Violation(f"{display_name(model)} is read by no exposure")


@rule(
    "modeling.exposure_parents",
    severity="warn",
    applies_to=("exposure",),
    why="""
        An exposure that lists no model says nothing about what the dashboard reads: no
        change to a model will ever name it in its impact, though every change may break
        it. One that lists dozens is a dashboard nobody can keep working, or an exposure
        that lists everything to be safe, which flags every change as breaking it. A floor
        and a ceiling keep exposures to what their consumer actually reads.
    """,
    failing="""
        # policy: modeling.exposure_parents: {min: 1, max: 10}
        exposures:
          - name: revenue_dashboard
            type: dashboard
            owner: {name: Finance Analytics}
            depends_on:
              - source('stripe', 'charges')   # reads no model
    """,
    passing="""
        exposures:
          - name: revenue_dashboard
            type: dashboard
            owner: {name: Finance Analytics}
            depends_on: [ref('fct_revenue')]
    """,
    fix="List in the exposure's `depends_on` the models its consumer reads (`ref('...')`), "
    "and no more; past the ceiling, split the exposure per dashboard, or build the model the "
    "dashboard should read instead.",
    params_check=min_max_bounds,
)
def exposure_parents(
    exposure: Exposure, project: Project, *, min: Count = 1, max: Count | None = None
) -> Violation | None:
    """The exposure reads at least `min` and at most `max` models (`null`: no maximum).

    Only models count, each version of a versioned model as one: sources, seeds, snapshots
    and metrics an exposure lists do not. As dbt-bouncer's check_exposure_based_on_model
    (`minimum_number_of_models`, `maximum_number_of_models`), whose default ceiling, 100,
    is here `max: null`."""
    models = sorted(
        {
            uid
            for uid in project.parents.get(exposure.unique_id, ())
            if (node := project.nodes.get(uid)) is not None and node.resource_type == "model"
        }
    )
    if max is not None and len(models) > max:
        return Violation(
            f"exposure {exposure.name} reads {counted(len(models), 'model')} "
            f"({_names(project, models)}); at most {max}",
            details={"models": models, "max": max},
        )
    if len(models) >= min:
        return None
    named = f" ({_names(project, models)})" if models else ""
    return Violation(
        f"exposure {exposure.name} reads {counted(len(models), 'model')}{named}; at least {min}",
        details={"models": models, "min": min},
    )


# parent_location's parameters: where a parent may be, and where it may not.
_LOCATIONS = ("databases", "schemas", "forbidden_databases", "forbidden_schemas")


def _some_location(params: dict[str, Any]) -> str | None:
    """Without any list every parent is allowed; an empty list allows none or forbids none."""
    given = [name for name in _LOCATIONS if params[name] is not None]
    if not given:
        return f"set at least one of {', '.join(_LOCATIONS)} (with none, every parent is allowed)"
    empty = [name for name in given if not params[name]]
    if empty:
        return f"{empty[0]}: give at least one name or glob pattern (or leave it out)"
    return None


@rule(
    "modeling.parent_location",
    severity="warn",
    applies_to=("model",),
    why="""
        Where a relation lives says what it is: a raw landing schema, a sandbox database, the
        staging schema, the marts other teams read. A mart that reads a table of the raw
        database skips the staging its columns get; a production model that reads a schema
        someone's dev build writes to breaks when that build is dropped. Naming the databases
        and schemas a selection may read (or may not) states that layout outright.
    """,
    failing="""
        -- policy: {select: "path:models/marts", rules: {modeling.parent_location:
        --          {forbidden_schemas: ["raw*"]}}}
        -- models/marts/fct_orders.sql
        select * from {{ source('raw_shop', 'orders') }}   -- schema raw_shop
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('stg_orders') }}              -- schema staging
    """,
    fix="Read the relation through a model in an allowed schema (a staging model over the "
    "source), or change the parent's `database`/`schema` config.",
    params_check=_some_location,
)
def parent_location(
    model: Node,
    project: Project,
    *,
    databases: list[str] | None = None,
    schemas: list[str] | None = None,
    forbidden_databases: list[str] | None = None,
    forbidden_schemas: list[str] | None = None,
) -> Iterator[Violation]:
    """The models, seeds, snapshots and sources the model reads are in one of `databases` and
    one of `schemas`, and in none of `forbidden_databases` and `forbidden_schemas`.

    Each list is optional and holds names or glob patterns (`stg_*`), compared
    case-insensitively with the database and schema dbt resolved for the parent (as the
    manifest records them, custom schema names included: `analytics_staging` where the target
    schema is `analytics`). One finding per parent. As dbt-checkpoint's
    check-model-parents-database and check-model-parents-schema (`--whitelist` is `databases`
    or `schemas`, `--blacklist` the `forbidden_` ones), which judge models and sources."""
    for parent_id in sorted(set(_parents(model, project))):
        parent = project.resource(parent_id)
        if parent is None or parent.resource_type not in _READABLE:
            continue
        problems = []
        for kind, name, allowed, forbidden in (
            ("database", parent.database, databases, forbidden_databases),
            ("schema", parent.schema, schemas, forbidden_schemas),
        ):
            if allowed is not None and not matches_glob(name or "", allowed):
                problems.append(f"{kind} {name}, not one of {', '.join(allowed)}")
            elif matches_glob(name or "", forbidden or ()):
                problems.append(f"{kind} {name}, which the policy forbids")
        if problems:
            yield Violation(
                f"{display_name(model)} reads {display_name(parent)} in {'; '.join(problems)}",
                key=parent_id,
                details={
                    "parent": parent_id,
                    "database": parent.database,
                    "schema": parent.schema,
                },
            )
