"""Governance rules: models others build on are contracted, public ones are versioned,
dashboards read public models, and every resource carries the metadata and materialization the
team agreed on.

A contract makes dbt refuse to build a model whose columns or types drifted from what consumers
were promised; a version lets a breaking change ship next to the old shape instead of over it.
These are the dbt-mesh guarantees the schema diff relies on to call a change breaking.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any, Literal

from dbtgate.artifacts.manifest import (
    Exposure,
    Macro,
    Node,
    Source,
    can_have_contract,
    granted,
    is_contracted,
    materialized_as,
)
from dbtgate.project import Project, display_name, meta_value
from dbtgate.rules.naming import column_types as typed_columns
from dbtgate.rules.registry import (
    AllowedValues,
    Count,
    GrantMap,
    Megabytes,
    Names,
    Regex,
    Rows,
    Violation,
    matches_glob,
    min_max_bounds,
    rule,
)
from dbtgate.wording import amount, counted

# How many of the required names a resource must have: every one, at least one, exactly one.
Criteria = Literal["all", "any", "one"]


@rule(
    "governance.contract_enforced",
    severity="error",
    applies_to=("model",),
    why="""
        Without an enforced contract, a renamed column or a changed type reaches every
        downstream model and dashboard at the next run. With it, dbt fails the build instead,
        and dbtgate can classify contract changes as breaking.
    """,
    failing="""
        models:
          - name: fct_orders
            config:
              meta: {tier: 1}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              contract: {enforced: true}
            columns:
              - name: order_id
                data_type: integer
    """,
    fix="Set `config: {contract: {enforced: true}}` and declare every column with its `data_type`.",
)
def contract_enforced(model: Node) -> Violation | None:
    """The model has an enforced contract (ephemeral and Python models cannot have one and are
    skipped)."""
    if is_contracted(model) or not can_have_contract(model):
        return None
    return Violation(f"{display_name(model)} has no enforced contract")


# Incremental strategies that merge nothing, so need no unique_key: append-only inserts,
# partition replacement (BigQuery, Spark), and microbatch (batches by `event_time`).
_KEYLESS_STRATEGIES = frozenset({"append", "insert_overwrite", "microbatch"})


@rule(
    "governance.incremental_unique_key",
    severity="warn",
    applies_to=("model",),
    why="""
        An incremental model without a `unique_key` inserts every row of each run: a late
        update or a rerun of a day duplicates rows, and nothing fails. With one, dbt merges
        (or deletes and inserts) on the key.
    """,
    failing="""
        models:
          - name: fct_events
            config:
              materialized: incremental
    """,
    passing="""
        models:
          - name: fct_events
            config:
              materialized: incremental
              unique_key: event_id
    """,
    fix="Set `unique_key` in the model's config (a column, or a list of columns), or an "
    "`incremental_strategy` that merges nothing (`append`, `insert_overwrite`, `microbatch`) when "
    "appending is what the model means to do.",
)
def incremental_unique_key(model: Node) -> Violation | None:
    """An incremental model sets `unique_key`, unless its `incremental_strategy` merges nothing
    (append, insert_overwrite, microbatch)."""
    config = model.config
    if config is None or config.materialized != "incremental":
        return None
    if config.unique_key or (config.incremental_strategy or "").lower() in _KEYLESS_STRATEGIES:
        return None
    return Violation(f"incremental model {display_name(model)} has no unique_key")


@rule(
    "governance.column_types",
    severity="warn",
    applies_to=("model", "seed"),
    why="""
        A declared `data_type` is what a contract enforces and what a consumer reads in the
        docs; the schema diff compares declared types too, so a change of type is seen before
        the warehouse's catalog has it. A seed's types are otherwise what the adapter guesses
        from the CSV: a zip code loses its leading zeros, an id becomes a float.
    """,
    failing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
    """,
    passing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
                data_type: integer
        seeds:
          - name: country_codes
            config:
              column_types: {code: varchar(2)}
            columns:
              - name: code
    """,
    fix="Add `data_type:` to each column the model or seed declares in its properties YAML (for "
    "a seed, `config: {column_types: ...}` types it too).",
)
def column_types(resource: Node) -> Iterator[Violation]:
    """Every column the model or seed declares has a `data_type`.

    A seed's column typed in its `column_types` config, which dbt casts the CSV to, counts as
    typed. As dbt-bouncer's check_model_columns_have_types and check_seed_columns_have_types
    (which reads `data_type` only)."""
    config = resource.config
    cast = {name.lower() for name in (config.column_types or {})} if config else set()
    for name, column in sorted((resource.columns or {}).items()):
        if not (column.data_type or "").strip() and name.lower() not in cast:
            yield Violation(
                f"column {name} of {display_name(resource)} declares no data_type",
                column_name=name,
            )


@rule(
    "governance.snapshot_strategy",
    severity="warn",
    applies_to=("snapshot",),
    why="""
        The strategy decides when a snapshot records a new version of a row: `timestamp` when
        its `updated_at` moves, `check` when one of its `check_cols` changes. A custom
        strategy is a macro the team must maintain and reviewers rarely read, and `check` on
        a wide table compares every column on every run: a team that settled on one strategy
        wants to hear when a snapshot takes another.
    """,
    failing="""
        # with allowed: [timestamp]
        snapshots:
          - name: orders_snapshot
            config:
              strategy: check
              check_cols: all
              unique_key: order_id
    """,
    passing="""
        snapshots:
          - name: orders_snapshot
            config:
              strategy: timestamp
              updated_at: updated_at
              unique_key: order_id
    """,
    fix="Set the snapshot's `strategy` to one of the allowed ones (with `updated_at` for "
    "`timestamp`, `check_cols` for `check`).",
)
def snapshot_strategy(
    snapshot: Node,
    *,
    allowed: Names = ["timestamp", "check"],  # noqa: B006
) -> Violation | None:
    """The snapshot uses one of the `allowed` strategies: by default dbt's own, `timestamp`
    and `check`, and no custom one.

    Names are compared case-insensitively. dbt itself refuses a snapshot without a strategy or a `unique_key`, a `timestamp` one
    without `updated_at` and a `check` one without `check_cols`: no rule is needed for those.
    As dbt-bouncer's check_snapshot_strategy (`allowed_strategies`)."""
    strategy = (snapshot.config.strategy if snapshot.config else None) or ""
    if strategy.lower() in {name.lower() for name in allowed}:
        return None
    return Violation(
        f"snapshot {display_name(snapshot)} uses the strategy {strategy or '(none)'}, not "
        f"{' or '.join(allowed)}",
        details={"strategy": strategy, "allowed": allowed},
    )


@rule(
    "governance.public_versioned",
    severity="warn",
    applies_to=("model",),
    why="""
        Any project or team may ref a public model. Once it is versioned, a breaking change
        ships as a new version with a deprecation date for the old one, instead of breaking
        consumers you cannot see.
    """,
    failing="""
        models:
          - name: orders_summary
            config:
              access: public
    """,
    passing="""
        models:
          - name: orders_summary
            latest_version: 1
            config:
              access: public
            versions:
              - v: 1
    """,
    fix="Add `versions:` (and `latest_version:`) to the model's YAML before its next breaking "
    "change.",
)
def public_versioned(model: Node) -> Violation | None:
    """A model with `access: public` is versioned."""
    if model.access != "public" or model.version is not None:
        return None
    return Violation(f"{display_name(model)} is public but not versioned")


@rule(
    "governance.version_pattern",
    severity="warn",
    why="""
        A model's version is part of the contract its consumers pin (`ref('orders',
        version=2)`) and of the relation's name (`orders_v2`). A team that numbers versions
        one way (whole numbers, a date, `2024_1`) keeps both predictable; a version named
        `final` or `2b` is one a consumer has to look up before they can pin it.
    """,
    failing="""
        # policy: governance.version_pattern: {pattern: "[0-9]+"}
        models:
          - name: orders
            latest_version: new
            versions:
              - v: new
    """,
    passing="""
        models:
          - name: orders
            latest_version: 2
            versions:
              - v: 2
    """,
    fix="Name the version (`v:` under `versions:` in the model's properties YAML) as "
    "`pattern` asks; a consumer that pins the old name must move with it.",
)
def version_pattern(model: Node, *, pattern: Regex = "") -> Violation | None:
    """The version of a versioned model matches `pattern` as a whole; unversioned models pass.

    Each version is judged on its own, by the `v:` the YAML gives it as dbt records it
    (`2`, `2.1`, `2024_01`). As dbt-bouncer's check_model_version_allowed, which matches at
    the version's start: its `version_pattern: X` is `pattern: "X.*"`."""
    if model.version is None:
        return None
    version = str(model.version)
    if re.fullmatch(pattern, version):
        return None
    return Violation(
        f"{display_name(model)} has the version {version}, which does not match the pattern "
        f"{pattern}",
        details={"version": version, "pattern": pattern},
    )


@rule(
    "governance.ref_version_pinned",
    severity="warn",
    applies_to=("model",),
    why="""
        A `ref()` without `version=` reads a versioned model's latest version, whichever that
        is: when the owner publishes a new one (and moves `latest_version`), every unpinned
        reader switches to the new shape at its next run, breaking change included, without a
        change of its own to review. A pinned ref moves when its owner decides to.
    """,
    failing="""
        -- models/marts/fct_orders.sql; dim_customers has versions 1 and 2
        select * from {{ ref('dim_customers') }}
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select * from {{ ref('dim_customers', version=2) }}
    """,
    fix="Pin the version the model was written against: `ref('name', version=N)` (`v=N`).",
)
def ref_version_pinned(model: Node, project: Project) -> Iterator[Violation]:
    """Each `ref()` of a versioned model in the model's code names a `version`.

    Read from the manifest's record of the refs (schema v9+, where dbt's model versions
    begin). One finding per unpinned ref, naming the version dbt resolved it to. As dbt-bouncer's
    check_model_version_pinned_in_ref, which reports the versioned model instead of its
    readers."""
    versioned = [
        node
        for uid in sorted(set(project.parents.get(model.unique_id, [])))
        if (node := project.nodes.get(uid)) is not None
        and node.resource_type == "model"
        and node.version is not None
    ]
    if not versioned:
        return  # the refs are a second decode of the manifest: made only when one is needed
    unpinned = sorted(
        {(ref.package, ref.name) for ref in project.refs(model.unique_id) if ref.version is None},
        key=lambda pair: (pair[1], pair[0] or ""),
    )
    for package, name in unpinned:
        read = [
            node for node in versioned if node.name == name and package in (None, node.package_name)
        ]
        if not read:
            continue
        latest = [node for node in read if str(node.version) == str(node.latest_version)]
        resolved = (latest or read)[0]
        yield Violation(
            f"{display_name(model)} refs {name} without a version, so reads its latest, "
            f"{display_name(resolved)}",
            key=f"{package}.{name}" if package else name,
            details={"ref": name, "resolved": resolved.unique_id},
        )


@rule(
    "governance.exposure_reads_public",
    severity="warn",
    applies_to=("exposure",),
    why="""
        A dashboard or application is a consumer outside dbt, like another team's project:
        it should read the models whose shape the team has promised (`access: public`, ideally
        contracted and versioned), not a private or protected model that may change any day.
    """,
    failing="""
        exposures:
          - name: revenue_dashboard
            depends_on: [ref('int_revenue')]   # access: protected (the default)
    """,
    passing="""
        exposures:
          - name: revenue_dashboard
            depends_on: [ref('fct_revenue')]   # config: {access: public}
    """,
    fix="Point the exposure at a public model (set `access: public` on the model it reads, with "
    "a contract), or publish one for it.",
)
def exposure_reads_public(exposure: Exposure, project: Project) -> Violation | None:
    """The models the exposure reads have `access: public`."""
    parents = project.parents.get(exposure.unique_id, [])
    private = sorted(
        uid
        for uid in set(parents)
        if (node := project.nodes.get(uid)) is not None
        and node.resource_type == "model"
        and node.access != "public"
    )
    if not private:
        return None
    names = ", ".join(
        f"{display_name(project.nodes[uid])} ({project.nodes[uid].access or 'protected'})"
        for uid in private
    )
    return Violation(
        f"exposure {exposure.name} reads models that are not public: {names}",
        details={"models": private},
    )


@rule(
    "governance.semantic_model_public_parents",
    severity="warn",
    applies_to=("model",),
    why="""
        A semantic model publishes its model's columns as metrics and dimensions to everyone
        who queries the semantic layer, dashboards and other teams' tools included: the model
        under it is an interface, and should be one the team has promised to keep (`access:
        public`, ideally contracted and versioned), not a protected model that may change any
        day under the metrics built on it.
    """,
    failing="""
        models:
          - name: int_orders              # access: protected (the default)
        semantic_models:
          - name: orders
            model: ref('int_orders')
    """,
    passing="""
        models:
          - name: fct_orders
            config: {access: public}
        semantic_models:
          - name: orders
            model: ref('fct_orders')
    """,
    fix="Make the model public (`access: public`, with a contract), or build the semantic "
    "model on a public model.",
)
def semantic_model_public_parents(model: Node, project: Project) -> Violation | None:
    """A model a semantic model is built on has `access: public`.

    Judged on the model, which is where the fix is (and where selectors, owners and waivers
    reach: semantic models are no policy's subject); a model no semantic model reads passes."""
    if model.access == "public":
        return None
    readers = project.semantic_readers(model.unique_id)
    if not readers:
        return None
    names = ", ".join(reader.name for reader in readers)
    access = model.access or "protected"
    built = "semantic model" if len(readers) == 1 else "semantic models"
    return Violation(
        f"{display_name(model)} is {access}, not public: {built} {names} "
        f"{'is' if len(readers) == 1 else 'are'} built on it",
        details={"semantic_models": [r.unique_id for r in readers], "access": access},
    )


@rule(
    "governance.exposure_reads_tables",
    severity="warn",
    applies_to=("exposure",),
    why="""
        A dashboard queries what it reads every time someone opens it: through a view, each
        open reruns the view's whole query (and every view under it), and a source read raw
        skips the cleaning and the tests of staging. Stored relations make dashboards fast and
        their numbers the tested ones.
    """,
    failing="""
        exposures:
          - name: revenue_dashboard
            depends_on:
              - ref('int_revenue')          # a view
              - source('shop', 'orders')    # a raw source
    """,
    passing="""
        exposures:
          - name: revenue_dashboard
            depends_on: [ref('fct_revenue')]   # config: {materialized: table}
    """,
    fix="Materialize the models the exposure reads as tables (or incremental), and read "
    "sources through the models built on them.",
)
def exposure_reads_tables(
    exposure: Exposure,
    project: Project,
    *,
    allowed: Names = ["table", "incremental", "materialized_view", "dynamic_table"],  # noqa: B006
) -> Violation | None:
    """The models the exposure reads are materialized as one of `allowed`, and it reads no
    source directly (seeds and snapshots are tables)."""
    parents = sorted(set(project.parents.get(exposure.unique_id, [])))
    problems = []
    for uid in parents:
        node = project.nodes.get(uid)
        if node is not None and node.resource_type == "model":
            materialized = materialized_as(node)
            if materialized not in allowed:
                problems.append((uid, f"{display_name(node)} ({materialized})"))
        elif uid in project.sources:
            problems.append((uid, display_name(project.sources[uid])))
    if not problems:
        return None
    return Violation(
        f"exposure {exposure.name} reads what is not stored as {' or '.join(allowed)}: "
        + ", ".join(text for _, text in problems),
        details={"resources": [uid for uid, _ in problems], "allowed": allowed},
    )


@rule(
    "governance.required_meta",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "exposure", "macro", "test"),
    why="""
        Catalogs, alerting and access reviews read meta keys (a domain, a PII flag, an SLA):
        a resource without them drops out of those processes in silence.
    """,
    failing="""
        # with keys: [domain, contains_pii]
        models:
          - name: fct_orders
            config:
              meta: {domain: sales}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              meta: {domain: sales, contains_pii: false}
    """,
    fix="Set the missing keys under `config: {meta: ...}` (for a folder, in dbt_project.yml; "
    "a macro's in its properties YAML, under `macros:`).",
)
def required_meta(
    resource: Node | Source | Exposure | Macro,
    *,
    keys: Names = [],  # noqa: B006
    criteria: Criteria = "all",
) -> Violation | None:
    """The resource's meta has every key in `keys` (`a.b` for a nested key), each set to
    something other than null or an empty string; with `criteria: any`, at least one of them,
    with `one`, exactly one.

    Data tests too, under a policy that selects them (`resource_type:test`, `test_type:data`;
    `*` selects none): alerting routes a failed test by its meta (an owner, a channel). And
    the root project's macros (`resource_type:macro`, or `*`): a shared macro needs an owner
    as much as a model does. As dbt-bouncer's check_model_has_meta_keys,
    check_source_has_meta_keys and check_test_has_meta_keys (`criteria` as its tags checks'),
    and dbt-checkpoint's check-model-has-meta-keys and its source, seed, snapshot, exposure,
    test and macro peers (check-macro-has-meta-keys)."""
    meta = resource.meta or {}
    present = [key for key in keys if not _blank(meta_value(meta, key))]
    return criteria_violation(resource, keys, present, criteria, ("meta", "has no meta"))


def criteria_violation(
    resource: Node | Source | Exposure | Macro,
    required: list[str],
    present: list[str],
    criteria: str,
    wording: tuple[str, str],
    *,
    listed_as: str = "keys",
) -> Violation | None:
    """The finding of required_meta, required_labels and required_tags: what the resource
    lacks of `required` (`present` is what it has) under `criteria`, None when nothing.
    `wording`: what the names are and how lacking one reads (`("meta", "has no meta")`);
    `listed_as`: the details' key for `required`."""
    problem = _criteria_problem(required, present, criteria, *wording)
    if problem is None:
        return None
    return Violation(
        f"{display_name(resource)} {problem}",
        details={
            "missing": [name for name in required if name not in present],
            listed_as: required,
            "criteria": criteria,
        },
    )


def _criteria_problem(
    required: list[str], present: list[str], criteria: str, what: str, lacking: str
) -> str | None:
    """What the resource lacks (`has no meta owner` as `lacking` words it, `has none of the
    tags a, b`), or None when `present` (the required names it has) meets `criteria`."""
    if criteria == "all" and len(present) < len(required):
        return f"{lacking} {', '.join(name for name in required if name not in present)}"
    if criteria == "any" and not present:
        return f"has none of the {what} {', '.join(required)}"
    if criteria == "one" and len(present) != 1:
        if not present:
            return f"has none of the {what} {', '.join(required)} (exactly one is required)"
        return (
            f"has {len(present)} of the {what} {', '.join(required)} ({', '.join(present)}); "
            "exactly one is allowed"
        )
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@rule(
    "governance.required_column_meta",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        Masking policies, access reviews and the catalog decide per column (is it PII, who
        may read it, which business term it is) from the column's meta: a column declared
        without those keys is one nobody classified, and it is served unmasked in silence.
    """,
    failing="""
        # with keys: [contains_pii]
        models:
          - name: dim_customers
            columns:
              - name: email
                config:
                  meta: {classification: internal}
    """,
    passing="""
        models:
          - name: dim_customers
            columns:
              - name: email
                config:
                  meta: {classification: internal, contains_pii: true}
    """,
    fix="Set the missing keys under the column's `config: {meta: ...}` in the properties YAML "
    "(`meta:` beside `name:` before dbt 1.10).",
)
def required_column_meta(
    resource: Node | Source,
    *,
    keys: Names = [],  # noqa: B006
    criteria: Criteria = "all",
    columns: Regex | None = None,
) -> Iterator[Violation]:
    """Every column the resource declares in YAML has the meta keys in `keys`.

    Each key (`a.b` for a nested key) set to something other than null or an empty string;
    with `criteria: any`, at least one of them, with `one`, exactly one. With `columns`, only
    the columns whose name matches it as a whole (a Python regular expression:
    `(?i).*email.*`) are judged. One finding per column, at its YAML line. Only declared columns have meta: a column the warehouse has and the YAML does not declare
    is `docs.column_coverage`'s finding (with catalog.json). As dbt-bouncer's
    check_model_columns_have_meta_keys, on seeds, snapshots and source tables too, and its
    check_source_pii_meta with `columns`."""
    for key, column in (resource.columns or {}).items():
        name = column.name or key
        if columns is not None and not re.fullmatch(columns, name):
            continue
        meta = column.meta or {}
        present = [wanted for wanted in keys if not _blank(meta_value(meta, wanted))]
        problem = _criteria_problem(keys, present, criteria, "meta", "has no meta")
        if problem is not None:
            yield Violation(
                f"column {name} of {display_name(resource)} {problem}",
                column_name=name,
                details={
                    "missing": [wanted for wanted in keys if wanted not in present],
                    "keys": keys,
                    "criteria": criteria,
                },
            )


@rule(
    "governance.required_columns",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        Some columns are the team's contract with its own tooling: a `_loaded_at` that
        incremental models and freshness checks filter on, a `tenant_id` that row access
        policies key on, an `_etl_batch_id` that audits join on. A model built without one
        breaks whatever reads it by that name, and nothing fails until that reader runs.
    """,
    failing="""
        # policy: governance.required_columns: {columns: [_loaded_at]}
        # fct_orders has order_id, customer_id, amount: no _loaded_at
    """,
    passing="""
        # fct_orders has order_id, customer_id, amount, _loaded_at
    """,
    fix="Add the column to the model's SQL and its YAML (a source table's: to what loads it), "
    "or leave the resource out of the policy's `select`.",
)
def required_columns(
    resource: Node | Source,
    project: Project,
    *,
    columns: Names = [],  # noqa: B006
    use_catalog: bool = True,
) -> Violation | None:
    """The resource has a column of each name in `columns` (compared case-insensitively).

    Its columns are those its YAML declares and, with catalog.json, those of its table in the
    warehouse (`use_catalog: false`: the declared ones only); a resource the catalog does not
    list is judged by its declared columns. One finding per resource, naming every column it
    lacks. The presence half of dbt-checkpoint's check-model-has-columns-with-types, which
    reads the catalog only; `naming.column_name_type` checks each column's type
    (`types: {_loaded_at: "timestamp.*"}`)."""
    have = {name.lower() for name in project.column_names(resource, use_catalog=use_catalog)}
    missing = [name for name in columns if name.lower() not in have]
    if not missing:
        return None
    table = use_catalog and project.catalog_table(resource.unique_id) is not None
    where = "" if table else " (judged by the columns its YAML declares)"
    return Violation(
        f"{display_name(resource)} has no column {', '.join(missing)}{where}",
        details={"missing": missing, "columns": columns},
    )


@rule(
    "governance.required_labels",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        On BigQuery a relation's labels are what billing reports, cost alerts and the data
        catalog group tables by (a team, a cost centre, an environment): a table built without
        them is spend nobody owns. dbt sets them from the `labels` config, so the gate can ask
        for them before the table exists.
    """,
    failing="""
        # policy: governance.required_labels: {keys: [team, cost_center]}
        models:
          - name: fct_orders
            config:
              labels: {team: sales}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              labels: {team: sales, cost_center: cc-104}
    """,
    fix="Set the missing keys under `config: {labels: ...}` (for a folder, `+labels` in "
    "dbt_project.yml).",
)
def required_labels(
    resource: Node,
    *,
    keys: Names = [],  # noqa: B006
    criteria: Criteria = "all",
) -> Violation | None:
    """The resource's `labels` config has every key in `keys`, each set to something other
    than null or an empty string; with `criteria: any`, at least one of them, with `one`,
    exactly one.

    Labels are dbt-bigquery's config (the other adapters ignore them); other keys are allowed.
    As dbt-checkpoint's check-model-has-labels-keys."""
    labels = (resource.config.labels if resource.config else None) or {}
    present = [key for key in keys if not _blank(labels.get(key))]
    return criteria_violation(resource, keys, present, criteria, ("labels", "has no label"))


@rule(
    "governance.access",
    severity="warn",
    applies_to=("model",),
    why="""
        Access says who may `ref()` a model: `private` within its group, `protected` within
        the project, `public` from other projects. A layer has one right answer (staging
        models private or protected, the marts other teams build on public); a model with
        another access is either exposed too early or hidden from the teams that need it.
    """,
    failing="""
        # policy: {select: "path:models/staging", rules:
        #          {governance.access: {allowed: [private, protected]}}}
        models:
          - name: stg_orders
            config:
              access: public
    """,
    passing="""
        models:
          - name: stg_orders
            config:
              access: protected
    """,
    fix="Set `access:` in the model's config to one of the allowed values.",
)
def access(
    model: Node,
    *,
    allowed: Names = [],  # noqa: B006
) -> Violation | None:
    """The model's access is one of `allowed` (`private`, `protected`, `public`).

    An unset access is dbt's default, `protected`. As dbt-bouncer's check_model_access."""
    current = model.access or "protected"
    if current in allowed:
        return None
    return Violation(
        f"{display_name(model)} has access {current}, not {' or '.join(allowed)}",
        details={"access": current, "allowed": allowed},
    )


@rule(
    "governance.required_tags",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "exposure", "test"),
    why="""
        Teams select by tags: `dbt build -s tag:nightly` in the scheduler, `tag:pii` for the
        masking policy, `tag:finance` for the on-call rotation. A resource that lacks its tag
        falls out of the job or the policy in silence; requiring the tag where it belongs
        (a folder, a tier) makes the omission a finding.
    """,
    failing="""
        # policy: {select: "path:models/marts/finance", rules:
        #          {governance.required_tags: {tags: [finance]}}}
        models:
          - name: fct_revenue
            config:
              tags: [nightly]
    """,
    passing="""
        models:
          - name: fct_revenue
            config:
              tags: [nightly, finance]
    """,
    fix="Add the missing tags (in the resource's config, or for a folder in dbt_project.yml).",
)
def required_tags(
    resource: Node | Source | Exposure,
    *,
    tags: Names = [],  # noqa: B006
    criteria: Criteria = "all",
) -> Violation | None:
    """The resource has every tag in `tags` (case-insensitive); with `criteria: any`, at least
    one of them, with `one`, exactly one.

    Data tests too, under a policy that selects them (`resource_type:test`; `*` selects none):
    a scheduler that runs `dbt test -s tag:critical` skips an untagged test. As dbt-bouncer's
    check_model_has_tags and check_test_has_tags (and their `criteria`);
    `governance.allowed_tags` is its converse."""
    given = {tag.lower() for tag in resource.tags or ()}
    present = [tag for tag in tags if tag.lower() in given]
    return criteria_violation(
        resource, tags, present, criteria, ("tags", "lacks the tags"), listed_as="required"
    )


@rule(
    "governance.allowed_tags",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "exposure", "test"),
    why="""
        Tags select what runs (`dbt build -s tag:nightly`), what is gated and what a catalog
        shows: a misspelt or invented tag matches no selector, so the resource drops out of
        the run or the policy meant for it without a word.
    """,
    failing="""
        # with tags: ["tier-*", pii, finance]
        models:
          - name: fct_orders
            config:
              tags: [tier-1, finanse]
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              tags: [tier-1, finance]
    """,
    fix="Use one of the allowed tags (or add the tag to `tags` in the policy).",
)
def allowed_tags(
    resource: Node | Source | Exposure,
    *,
    tags: Names = [],  # noqa: B006
) -> Violation | None:
    """Every tag of the resource matches one of `tags` (glob patterns, case-insensitive).

    `tier-*` allows `tier-1` and `Tier-2`. A resource without tags passes: this rule keeps
    the tags in use to a known list, not every resource tagged. Data tests too, under a
    policy that selects them (`resource_type:test`): `dbt test -s tag:critical` runs the
    tests so tagged. As dbt-checkpoint's check-model-tags, check-source-tags and
    check-test-tags.
    """
    given = resource.tags or ()
    if not given:
        return None
    refused = [tag for tag in given if not matches_glob(tag, tags)]
    if not refused:
        return None
    return Violation(
        f"{display_name(resource)} has tags that are not allowed: {', '.join(refused)} "
        f"(allowed: {', '.join(tags)})",
        details={"not_allowed": refused, "allowed": tags},
    )


@rule(
    "governance.allowed_meta_values",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source", "exposure", "macro", "test"),
    why="""
        Tools act on meta values: a catalog files a model under its `domain`, alerting pages
        the team its `owner` names, a masking job reads `contains_pii`. A value outside the
        agreed list (`Sales`, `finanse`, `yes`) matches none of their rules, so the resource
        drops out of the catalog page, the alert or the mask without a word.
    """,
    failing="""
        # with values: {domain: [sales, finance], contains_pii: [true, false]}
        models:
          - name: fct_orders
            config:
              meta: {domain: finanse, contains_pii: "no"}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              meta: {domain: finance, contains_pii: false}
    """,
    fix="Set the meta key to one of its allowed values (or add the value to `values` in the "
    "policy).",
)
def allowed_meta_values(
    resource: Node | Source | Exposure | Macro,
    *,
    values: AllowedValues = {},  # noqa: B006
) -> Iterator[Violation]:
    """Each meta key in `values` (`a.b` for a nested key) that the resource sets has one of
    the values listed for it.

    Values are compared as they are written in YAML, exactly: `tier: 1` matches `1` and
    `"1"`, `contains_pii: false` matches `false`, and `Sales` is not `sales`. A list passes
    when each of its items is allowed; a mapping never does. A key the resource does not set
    (or sets to null or an empty string) passes: `governance.required_meta` asks for it. One
    finding per key, on the line that sets it (the SQL's `config(meta=...)`, the properties
    YAML's `meta:`, or dbt_project.yml's `+meta:`). As dbt-checkpoint's
    check-model-meta-key-accepted-values, for several keys and every resource with meta."""
    meta = resource.meta or {}
    for key, allowed in values.items():
        value = meta_value(meta, key)
        if _blank(value):
            continue
        accepted = {_as_written(item) for item in allowed}
        refused = [
            _as_written(item)
            for item in (value if isinstance(value, list) else [value])
            if isinstance(item, dict | list) or _as_written(item) not in accepted
        ]
        if not refused:
            continue
        shown = ", ".join(_as_written(item) for item in allowed)
        verb = "is" if len(refused) == 1 else "are"
        yield Violation(
            f"{display_name(resource)} has meta {key}: {', '.join(refused)}, which {verb} not "
            f"allowed (allowed: {shown})",
            key=key,
            details={"meta_key": key, "not_allowed": refused, "allowed": allowed},
            setting=("meta", key.split(".", 1)[0]),
        )


def _as_written(value: Any) -> str:
    """A meta value as YAML writes it (`true`, `1`, `sales`): what `values` is compared in,
    so that `tier: 1` and an allowed `"1"` agree."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@rule(
    "governance.group",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A dbt group is a team: its owner answers for the models in it, and `access: private`
        lets only the group's own models `ref()` one. A model in no group has neither, so no
        one is asked when it breaks and any model may come to depend on it. With `allowed`, a
        folder keeps to its teams' groups: a model copied from another folder does not carry
        the other team's group along.
    """,
    failing="""
        # select: "path:models/marts/finance", allowed: [finance]
        models:
          - name: fct_revenue
            config:
              group: marketing
          - name: fct_invoices   # in no group
    """,
    passing="""
        groups:
          - name: finance
            owner: {name: Finance Analytics, email: finance@example.com}
        models:
          - name: fct_revenue
            config:
              group: finance
    """,
    fix="Set `config: {group: ...}` (for a folder, `+group:` in dbt_project.yml) to a group "
    "declared under `groups:` with its owner, one of `allowed` when the policy lists them.",
)
def group(resource: Node, *, allowed: Names | None = None) -> Violation | None:
    """The resource belongs to a dbt group; with `allowed`, to one of them (names compared
    exactly, as dbt does).

    A group not among `allowed` is reported on the line that sets it. As dbt-checkpoint's
    check-model-has-group (its `--groups` is `allowed`), on seeds and snapshots too."""
    name = display_name(resource)
    if not resource.group:
        if allowed:
            return Violation(
                f"{name} is in no group (allowed: {', '.join(allowed)})",
                details={"allowed": allowed},
            )
        return Violation(f"{name} is in no group")
    if allowed is None or resource.group in allowed:
        return None
    return Violation(
        f"{name} is in group {resource.group}, not {' or '.join(allowed)}",
        details={"group": resource.group, "allowed": allowed},
        setting=("group", None),
    )


@rule(
    "governance.forbidden_column_types",
    severity="warn",
    applies_to=("model", "seed", "snapshot", "source"),
    why="""
        Some types are wrong for any column the team serves: a FLOAT or DOUBLE adds money up
        with rounding errors, Snowflake's TIMESTAMP_NTZ leaves the reader to guess the time
        zone, a VARIANT hides a shape no contract checks. The SQL rarely says which type a
        column ends up with; the warehouse does.
    """,
    failing="""
        # with types: [double, "float*", timestamp_ntz]
        # fct_orders.amount_paid is a DOUBLE: sum(amount) / 100.0
    """,
    passing="""
        # fct_orders.amount_paid is a DECIMAL(18,2): cast(sum(amount) / 100.0 as decimal(18, 2))
    """,
    fix="Cast the column to an allowed type in the SQL (and set that `data_type:` in the "
    "YAML), or adjust `types`.",
)
def forbidden_column_types(
    resource: Node | Source,
    project: Project,
    *,
    types: Names = [],  # noqa: B006
) -> Iterator[Violation]:
    """No column of the resource has a type that matches one of `types` (glob patterns
    matched against the whole type, case-insensitively: `float*` forbids FLOAT and FLOAT64,
    `decimal(38,*)` the decimals of 38 digits).

    The type is the warehouse's (catalog.json) when the catalog lists the column, else the
    `data_type` declared in YAML; a column of neither is not checked, nor the columns dbt adds
    to a snapshot. One finding per column, at its YAML line. As dbt-checkpoint's
    check-column-type-blacklist (`--types`), which reads the catalog only and fails a model
    the catalog does not list; here a model without a catalog is judged by its declared
    types."""
    for name, column_type in typed_columns(resource, project):
        if matches_glob(column_type, types):
            yield Violation(
                f"column {name} of {display_name(resource)} is {column_type}, a type that is "
                f"not allowed (forbidden: {', '.join(types)})",
                column_name=name,
                details={"type": column_type, "forbidden": types},
            )


@rule(
    "governance.materialization",
    severity="warn",
    applies_to=("model",),
    why="""
        Where a model is a view, a table or incremental decides what it costs and how fresh it
        is; teams fix it per layer (staging as views, marts as tables) so that no model
        rebuilds a large table on every run, or reads through a chain of slow views, by accident.
    """,
    failing="""
        # select: "path:models/staging", allowed: [view, ephemeral]
        models:
          - name: stg_orders
            config:
              materialized: table
    """,
    passing="""
        models:
          - name: stg_orders
            config:
              materialized: view
    """,
    fix="Set `config: {materialized: ...}` to one of `allowed` (for a folder, in dbt_project.yml).",
)
def materialization(model: Node, *, allowed: Names = []) -> Violation | None:  # noqa: B006
    """The model's materialization is one of `allowed` (view, table, incremental, ephemeral,
    materialized_view, or an adapter's own)."""
    materialized = materialized_as(model)
    if materialized in allowed:
        return None
    return Violation(
        f"{display_name(model)} is materialized as {materialized}, not {' or '.join(allowed)}",
        details={"materialized": materialized, "allowed": allowed},
    )


@rule(
    "governance.required_grants",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        dbt applies a model's `grants` after every build and revokes the ones it no longer
        lists. A mart built without its grant to the BI role, or one whose folder's grants a
        config change replaced, leaves every dashboard on it with a permission error after the
        next run; the warehouse says so only to the dashboard's users.
    """,
    failing="""
        # with grants: {select: [reporter], insert: ["*"]}
        models:
          - name: fct_orders
            config:
              grants: {select: [analyst]}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              grants: {select: [analyst, reporter], insert: [loader]}
    """,
    fix="Grant the privileges listed under `config: {grants: ...}` (for a folder, `+grants` in "
    "dbt_project.yml; a model's `+select` adds to its folder's grantees instead of replacing them).",
)
def required_grants(
    resource: Node,
    *,
    grants: GrantMap = {},  # noqa: B006
) -> Violation | None:
    """The resource grants each privilege in `grants` to each of its grantees (glob patterns:
    `reporter_*` asks for a grant to some reporter role, `*` for the privilege to anyone;
    privileges and grantees compared case-insensitively, as warehouses compare unquoted role
    names).

    The grants are dbt's resolved config: a folder's `+grants` and the model's own merged. An
    ephemeral model has no relation, so dbt applies no grants to it: it is skipped. With `*` as
    grantee, dbt-bouncer's check_model_grant_privilege_required."""
    if materialized_as(resource) == "ephemeral":
        return None
    resolved = granted(resource)
    given = {
        privilege.lower(): {grantee.lower() for grantee in grantees}
        for privilege, grantees in resolved.items()
    }
    missing = {}
    for privilege, grantees in grants.items():
        holders = given.get(privilege.lower(), set())
        lacking = [
            grantee
            for grantee in grantees
            if not any(fnmatchcase(holder, grantee.lower()) for holder in holders)
        ]
        if lacking:
            missing[privilege] = lacking
    if not missing:
        return None
    return Violation(
        f"{display_name(resource)} does not grant {_grant_list(missing)}",
        details={"missing": missing, "required": grants, "grants": resolved},
    )


@rule(
    "governance.allowed_grantees",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A grant in a model's config is applied again after every build: one to `public` or to
        a person's own user, made for a quick look, outlives its reason, and revoking it in the
        warehouse does not hold past the next run. Access reviews look at roles; grants in
        dbt should name only the roles the team reviews.
    """,
    failing="""
        # with grantees: ["reporter*", transformer]
        models:
          - name: fct_orders
            config:
              grants: {select: [reporter_finance, jane_doe]}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              grants: {select: [reporter_finance]}
    """,
    fix="Grant to one of the allowed roles instead (or add the grantee to `grantees` in the "
    "policy).",
)
def allowed_grantees(
    resource: Node,
    *,
    grantees: Names = [],  # noqa: B006
) -> Violation | None:
    """Every grantee of every privilege the resource grants matches one of `grantees` (glob
    patterns, case-insensitive). A resource that grants nothing passes, as does an ephemeral
    model (dbt applies no grants to it)."""
    refused: dict[str, list[str]] = {}
    for privilege, holders in _applied_grants(resource).items():
        outside = [grantee for grantee in holders if not matches_glob(grantee, grantees)]
        if outside:
            refused[privilege] = outside
    if not refused:
        return None
    return Violation(
        f"{display_name(resource)} grants {_grant_list(refused)}, which no allowed grantee "
        f"matches (allowed: {', '.join(grantees)})",
        details={"not_allowed": refused, "allowed": grantees},
    )


@rule(
    "governance.allowed_privileges",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        dbt applies a model's grants again after every build, so a privilege in its config is
        not a one-off: `insert`, `delete` or `all privileges` on a mart lets its readers' role
        change the numbers everyone else reads, and revoking it in the warehouse does not hold
        past the next run. Keeping privileges to a known list (`select` for readers) makes a
        write grant a reviewed exception.
    """,
    failing="""
        # with privileges: [select]
        models:
          - name: fct_orders
            config:
              grants: {select: [reporter], insert: [reporter]}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              grants: {select: [reporter]}
    """,
    fix="Grant only the allowed privileges (remove the others from `grants`, or for a folder "
    "from `+grants` in dbt_project.yml), or add the privilege to `privileges` in the policy.",
)
def allowed_privileges(
    resource: Node,
    *,
    privileges: Names = [],  # noqa: B006
) -> Violation | None:
    """Every privilege the resource grants matches one of `privileges` (glob patterns,
    case-insensitive).

    A privilege listed with no grantee grants nothing (dbt revokes it) and passes, as do a
    resource that grants nothing and an ephemeral model (no relation, so dbt applies no
    grants). As dbt-bouncer's check_model_grant_privilege, with glob patterns instead of one
    regex: `privileges: [select]` for bouncer's `privilege_pattern: ^select`."""
    refused = {
        privilege: holders
        for privilege, holders in _applied_grants(resource).items()
        if not matches_glob(privilege, privileges)
    }
    if not refused:
        return None
    return Violation(
        f"{display_name(resource)} grants {_grant_list(refused)}, which no allowed privilege "
        f"matches (allowed: {', '.join(privileges)})",
        details={"not_allowed": refused, "allowed": privileges},
    )


@rule(
    "governance.grant_count",
    severity="warn",
    applies_to=("model", "seed", "snapshot"),
    why="""
        The privileges a model grants say what its readers may do with it. A mart that grants
        nothing is readable only through grants made outside dbt, which a rebuilt table can
        lose; one that grants many privileges lets its readers do more than read. A floor and a
        ceiling catch both without naming each privilege (`governance.allowed_privileges` names
        them).
    """,
    failing="""
        # with max: 1
        models:
          - name: fct_orders
            config:
              grants: {select: [reporter], insert: [loader], delete: [loader]}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              grants: {select: [reporter]}
    """,
    fix="Grant between `min` and `max` privileges under `config: {grants: ...}` (for a folder, "
    "`+grants` in dbt_project.yml), or change the bounds in the policy.",
    params_check=min_max_bounds,
)
def grant_count(
    resource: Node,
    *,
    min: Count = 0,
    max: Count | None = None,
) -> Violation | None:
    """The resource grants at least `min` and at most `max` privileges (`null`: no maximum).

    Privileges are counted once each, case-insensitively; one listed with no grantee grants
    nothing (dbt revokes it) and does not count. Ephemeral models have no relation to grant on
    and are skipped. As dbt-bouncer's check_model_number_of_grants (`min_number_of_privileges`,
    `max_number_of_privileges`); set at least one of the two."""
    if materialized_as(resource) == "ephemeral":
        return None
    given = sorted({privilege.lower() for privilege in _applied_grants(resource)})
    count = len(given)
    if count < min:
        bound = f"the policy asks for at least {min}"
        fix = f"Grant at least {counted(min, 'privilege')}"
    elif max is not None and count > max:
        bound = f"the policy allows at most {max}"
        fix = f"Grant at most {counted(max, 'privilege')}"
    else:
        return None
    listed = f"{counted(count, 'privilege')} ({', '.join(given)})" if given else "no privileges"
    return Violation(
        f"{display_name(resource)} grants {listed}, {bound}",
        details={"privileges": given, "min": min, "max": max},
        fix=f"{fix} under `config: {{grants: ...}}` (for a folder, `+grants` in dbt_project.yml), "
        "or change the bounds in the policy.",
    )


def _applied_grants(resource: Node) -> dict[str, list[str]]:
    """The privileges dbt grants on the resource's relation: none on an ephemeral model (it has
    no relation), and not one listed with no grantee (dbt revokes that privilege instead)."""
    if materialized_as(resource) == "ephemeral":
        return {}
    return {privilege: who for privilege, who in granted(resource).items() if who}


def _grant_list(grants: dict[str, list[str]]) -> str:
    """`select to reporter, analyst; insert to loader`."""
    return "; ".join(f"{privilege} to {', '.join(who)}" for privilege, who in grants.items())


def _constraint_types(model: Node) -> set[str]:
    """The types of the constraints the model declares, at the model's level and on its
    columns, lowered."""
    found = {constraint.type.lower() for constraint in model.constraints or ()}
    for column in (model.columns or {}).values():
        found.update(constraint.type.lower() for constraint in column.constraints or ())
    return found


@rule(
    "governance.required_constraints",
    severity="warn",
    applies_to=("model",),
    why="""
        A tested key catches duplicates after a run has written them; a `primary_key` or
        `not_null` constraint makes the warehouse refuse them (where it enforces constraints)
        and tells its optimizer and BI tools how tables join. dbt creates constraints only on a
        model with an enforced contract, so a constraint declared without one is a promise the
        warehouse never hears of.
    """,
    failing="""
        # policy: governance.required_constraints: {types: [primary_key]}
        models:
          - name: fct_orders
            config:
              contract: {enforced: true}
            columns:
              - name: order_id
                data_type: integer
                constraints: [{type: not_null}]
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              contract: {enforced: true}
            columns:
              - name: order_id
                data_type: integer
                constraints: [{type: not_null}, {type: primary_key}]
    """,
    fix="Declare the constraints under `constraints:` on the model or its columns, and "
    "enforce the model's contract (`config: {contract: {enforced: true}}`) so dbt creates them.",
)
def required_constraints(model: Node, *, types: Names = []) -> Violation | None:  # noqa: B006
    """The model declares a constraint of each type in `types` (`primary_key`, `foreign_key`,
    `unique`, `not_null`, `check`, `custom`; compared case-insensitively), on the model or on
    one of its columns, under an enforced contract.

    Ephemeral and Python models, which dbt cannot contract, are skipped. As dbt-checkpoint's
    check-model-has-constraints, which also requires the contract, for the constraint types
    (it can also name a constraint's columns)."""
    if not can_have_contract(model):
        return None
    found = _constraint_types(model)
    missing = [name for name in types if name.lower() not in found]
    if missing:
        return Violation(
            f"{display_name(model)} declares no {' and no '.join(missing)} constraint",
            details={"missing": missing, "declared": sorted(found)},
        )
    if is_contracted(model):
        return None
    return Violation(
        f"{display_name(model)} declares {', '.join(types)} constraints but no enforced "
        "contract, so dbt does not create them",
        fix="Enforce the model's contract (`config: {contract: {enforced: true}}`, with every "
        "column's `data_type`) so dbt creates its constraints.",
        details={"declared": sorted(found)},
    )


@rule(
    "governance.primary_key_at_column_level",
    severity="warn",
    applies_to=("model",),
    why="""
        A key of one column is a fact about that column. Declared on the column, it sits
        beside the column's type, description and tests, where readers, dbt docs and catalogs
        look for it; a model-level `primary_key` constraint naming one column says the same
        thing far from the column, and is usually left over from a key that once had two.
        Model-level constraints are for keys of several columns.
    """,
    failing="""
        models:
          - name: fct_orders
            constraints:
              - type: primary_key
                columns: [order_id]
    """,
    passing="""
        models:
          - name: fct_orders
            columns:
              - name: order_id
                data_type: integer
                constraints: [{type: primary_key}]
    """,
    fix="Move the constraint to the column (`constraints: [{type: primary_key}]` under it) and "
    "drop it from the model's `constraints:`.",
)
def primary_key_at_column_level(model: Node) -> Iterator[Violation]:
    """No model-level `primary_key` constraint lists a single column.

    Judged with or without an enforced contract: the rule is about where the key is declared,
    not whether dbt creates it (governance.required_constraints asks that). As dbt-score's
    single_pk_defined_at_column_level; tests.unique_at_column_level is its twin for
    composite-key tests."""
    for constraint in model.constraints or ():
        columns = constraint.columns or []
        if constraint.type.lower() != "primary_key" or len(columns) != 1:
            continue
        yield Violation(
            f"{display_name(model)} declares its one-column primary key {columns[0]} as a "
            "model-level constraint",
            column_name=columns[0],
            fix=f"Move the primary_key constraint to column {columns[0]}'s `constraints:`.",
            details={"column": columns[0], "constraint": "primary_key"},
        )


def _some_seed_limit(params: dict[str, Any]) -> str | None:
    """A `params_check` for governance.seed_size: with neither limit every seed passes."""
    if params["max_rows"] is None and params["max_megabytes"] is None:
        return "set `max_rows` and/or `max_megabytes` (with neither, every seed passes)"
    return None


@rule(
    "governance.seed_size",
    severity="warn",
    applies_to=("seed",),
    needs=("seed_stats",),
    why="""
        A seed is a CSV file in the repository that every `dbt seed` and `dbt build` loads
        again. Seeds are for small reference lists a reviewer can read in the diff; one that
        grew to hundreds of thousands of rows slows each build, bloats the repository, and is
        data that belongs in a source loaded outside dbt.
    """,
    failing="""
        # dbtgate.yml
        policies:
          - select: "*"
            rules: {governance.seed_size: {max_rows: 1000, max_megabytes: 1}}
        # catalog.json: seed country_codes_history has 184,220 rows (14.3 MB)
    """,
    passing="""
        # catalog.json: seed country_codes has 249 rows (0.012 MB)
    """,
    fix="Load the data as a source table (an extract-load tool, an external table) and select "
    "from it, keeping seeds for small reference lists, or raise `max_rows` or `max_megabytes` "
    "for the selection it belongs to.",
    params_check=_some_seed_limit,
)
def seed_size(
    resource: Node,
    project: Project,
    *,
    max_rows: Rows | None = None,
    max_megabytes: Megabytes | None = None,
) -> Violation | None:
    """The seed's table holds at most `max_rows` rows and `max_megabytes` megabytes (10^6
    bytes) in the warehouse, as catalog.json's `stats` record them; set either or both.

    As dbt-bouncer's check_seed_max_row_count and check_seed_max_bytes, reading each adapter's
    own keys: `num_rows` and `num_bytes` on BigQuery, `row_count` and `bytes` on Snowflake,
    `rows` and `bytes` on Databricks and Spark, `rows` on Redshift (whose `size` counts 1 MB
    blocks). The counts are the warehouse's (BigQuery calls them approximate), not the CSV
    file's. `max_rows: 0` is refused: it would fail every seed that has a row. A seed the
    catalog records no such count of is not judged; a catalog that records none of any seed
    (DuckDB, Postgres) checks nothing, and the policies family says so in a note."""
    table = project.catalog_table(resource.unique_id)
    stats = table.stats if table is not None else None
    if stats is None:
        return None
    rows, size = stats.row_total, stats.byte_total
    over: list[str] = []
    limits: list[str] = []
    if max_rows is not None and rows is not None and rows > max_rows:
        over.append(f"holds {_rows(round(rows))}")
        limits.append(_rows(max_rows))
    if max_megabytes is not None and size is not None and size / 1e6 > max_megabytes:
        over.append(f"takes {amount(size / 1e6)} MB ({round(size):,} bytes)")
        limits.append(f"{max_megabytes:g} MB")
    if not over:
        return None
    return Violation(
        f"{display_name(resource)} {' and '.join(over)} in the warehouse; "
        f"at most {' and '.join(limits)}",
        details={
            "rows": rows,
            "bytes": size,
            "max_rows": max_rows,
            "max_megabytes": max_megabytes,
        },
    )


def _rows(count: int) -> str:
    """`1 row`, `184,220 rows`: a seed's rows, grouped in thousands as a reader counts them."""
    return "1 row" if count == 1 else f"{count:,} rows"
