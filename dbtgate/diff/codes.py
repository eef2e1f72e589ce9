"""Docs for every code the schema diff emits (`breaking.*`, `risky.*`, `safe.*`), for
`dbtgate rules CODE` and the rule help of SARIF and HTML reports.

A reviewer meets these codes in a PR comment with a one-line reason; this is the longer answer:
what the change is, why it matters to the people downstream, and the way out. The one-line summary
is the taxonomy's (`classify.TAXONOMY`) and the fix starts with the hint findings carry
(`check.FIX_HINTS`), so neither is written twice. Imported only when docs are asked for.
"""

from __future__ import annotations

from dbtgate.codes import CodeDoc, document
from dbtgate.diff.check import CASE_HINTS, FIX_HINTS
from dbtgate.diff.classify import TAXONOMY, change_class

# The severity a finding of each class gets with the default `breaking:` settings. Breaking
# changes to an unversioned contracted model that nothing reads are warnings (as in dbt-core);
# safe changes are listed in the diff and never become findings.
_SEVERITY = {"breaking": "error", "risky": "warn", "safe": "info"}

_WAYS_OUT = (
    " Ways out that keep the change: a new model version (consumers migrate to it), a "
    "deprecation_date on the changed model, a `breaking.acknowledge` entry in dbtgate.yml with a "
    "reason and an owner, or the PR label `breaking-change-ok` (`breaking.ack_label`; `--ack-label` in a local run)."
)
# A deprecation_date does not excuse a removal before the date (dbt-core fails it too).
_WAYS_OUT_OF_REMOVAL = (
    " Ways out that keep the removal now: a new model version that replaces it (consumers "
    "migrate to it), a `breaking.acknowledge` entry in dbtgate.yml with a reason and an owner, "
    "or the PR label `breaking-change-ok` (`breaking.ack_label`; `--ack-label` in a local run)."
)
_SAFE_FIX = "Nothing to fix: listed so the diff of the pull request is complete."


_SEVERITY_NOTE = {
    "breaking": " Severity: error on a versioned contracted model and on a model without a "
    "contract that others read, warn on an unversioned contracted model (as in dbt-core) that "
    "nothing reads the column of (a model, an exposure or a project that may read it makes it "
    "as severe as a model without a contract: a contract never protects less); set them in the "
    "`breaking:` section of dbtgate.yml. An acknowledged change is reported as info.",
    "risky": " Severity: warn (`breaking.risky` in dbtgate.yml); it does not block by default.",
    "safe": " Listed in the diff section of the report only; never a finding.",
}


def _lowered(hint: str) -> str:
    """A hint continuing a sentence of the docs."""
    return hint[:1].lower() + hint[1:]


def _sentence(entry: str) -> str:
    """A taxonomy entry (a phrase, as the diff's tables list it) as a rule's summary is
    written everywhere else, in `dbtgate rules` and the reports' rule lists: a sentence."""
    return f"{entry[:1].upper()}{entry[1:]}."


def _doc(code: str, what: str, why: str, example: str, fix: str = "") -> CodeDoc:
    hint = FIX_HINTS.get(code, "")
    klass = change_class(code)
    what += _SEVERITY_NOTE[klass]
    if klass == "breaking":
        ways = _WAYS_OUT_OF_REMOVAL if code == "breaking.model_removed" else _WAYS_OUT
        fix = " ".join(part for part in (hint, fix) if part) + ways
    elif klass == "risky":
        fix = " ".join(part for part in (hint, fix) if part)
    else:
        fix = fix or _SAFE_FIX
    return CodeDoc(
        code=code,
        severity=_SEVERITY[klass],
        summary=_sentence(TAXONOMY[code]),
        what=what,
        why=why,
        fix=fix,
        example=example,
    )


_BREAKING = [
    _doc(
        "breaking.contract_removed",
        "A model had `contract: enforced: true` in the base build and no longer has it. dbt-core "
        "reports the same change as a breaking contract change under `dbt build --state`.",
        "The contract is the promise consumers rely on: column names and types checked at build "
        "time. Without it any later edit can change the shape silently.",
        "models:\n  - name: orders_summary\n    config:\n      contract: {enforced: false}  # was true",
    ),
    _doc(
        "breaking.column_removed",
        "A column is gone: from the declared columns of a contracted model, or from the columns "
        "(catalog, YAML or compiled SQL) of a model that other models, exposures, semantic "
        "models or projects read. On a versioned model a rename counts as a removal. The "
        "finding lists the downstream models, semantic models and exposures, their owners, and "
        "whether each direct reader selects the column (a model's SQL, a semantic model's "
        "dimensions, entities and measures).",
        "Every query, model or dashboard that selects the column fails after the merge, often "
        "in someone else's project or in the BI tool, where nobody sees the PR. (A snapshot's "
        "table keeps the column, NULL in new rows: its readers fail where it is built afresh, "
        "and read NULL where it is not; the finding says so.)",
        "orders_summary v2: contracted column item_count removed; finance_revenue reads the "
        "model but not item_count; exposure revenue_dashboard may use item_count; other projects "
        "may read it (public model); readers' owners: Finance Analytics",
    ),
    _doc(
        "breaking.column_renamed",
        "On a model that others read (and that has no contract), a column disappeared and "
        "another of the same type appeared at the same position: read as a rename. Columns of "
        "different types are never paired.",
        "Readers select the old name; to them a rename is a removal.",
        "customers: column customer_name renamed to full_name; 2 downstream resources read it",
    ),
    _doc(
        "breaking.type_changed",
        "A contracted column's declared data_type changed its base type (decimal -> double, "
        "varchar -> integer), or a column of a model others read changed type in a way that "
        "is neither a widening nor a narrowing; size or precision changes (varchar(20) -> "
        "varchar(50)) are not type changes, as in dbt-core. An alias (integer -> int, text -> "
        "varchar) is no change to the warehouse, nor to a model without a contract; in a "
        "contract it is one, because dbt-core's check compares the names as written (its base "
        "name, lowered) and fails `dbt build --state` on it: reported so, with dbt-core's "
        "severity (`details.type_change: alias`).",
        "Readers compare, join, cast and aggregate the column by its type: a new type changes "
        "results or fails their queries.",
        "columns:\n  - name: total_amount\n    data_type: double  # was decimal(18,2)",
    ),
    _doc(
        "breaking.type_narrowed",
        "A column of a model that others read moved to a type that holds fewer values (bigint "
        "-> integer, decimal -> integer, timestamp -> date), or not all of them exactly "
        "(integer -> decimal(4,0), which fails on 10,000; integer -> a 4-byte real, exact only "
        "up to 16,777,216; bigint -> double).",
        "Values that fit before may no longer fit: readers' joins and filters on the column can "
        "silently lose rows or precision.",
        "orders: order_id type narrowed (BIGINT -> INTEGER); 3 downstream resources read it",
    ),
    _doc(
        "breaking.constraint_removed",
        "An enforced constraint (one the adapter applies, e.g. not_null, primary_key, check on "
        "DuckDB or Postgres) was removed from a contracted table or incremental model, or from "
        "one of its columns.",
        "Consumers rely on what the warehouse guarantees: without the constraint, nulls or "
        "duplicates can reach them.",
        "columns:\n  - name: order_id\n    constraints: []  # was [{type: not_null}]",
    ),
    _doc(
        "breaking.materialization_changed",
        "A contracted model with constraints was a table or incremental model and is now "
        "something else (a view, ephemeral): dbt applies constraints only to tables and "
        "incremental models. Also: a model made ephemeral while something queries its "
        "relation: an exposure that reads it in the base build or the pull request (deleting "
        "the exposure's YAML in the same pull request does not turn off the dashboard behind "
        "it), a semantic model that reads it in the pull request (the semantic layer is "
        "deployed from it), or other projects (it was public). dbt builds no relation for it "
        "any more. Its impact lists those readers; the models that ref() it are named as not "
        "affected (dbt inlines an ephemeral model into them). A contracted model with "
        "constraints made ephemeral while something queries it loses both, and the finding "
        "says both.",
        "The constraints still read as a promise in YAML but the warehouse no longer enforces "
        "them. An ephemeral model is a CTE inlined into its dbt readers: dashboards, the "
        "semantic layer and other projects query a relation that is no longer built (the old "
        "one is left behind, stale).",
        "config:\n  materialized: view  # was table, with a primary_key constraint",
        "For a model without constraints made ephemeral: "
        + _lowered(CASE_HINTS[("breaking.materialization_changed", "relation")]),
    ),
    _doc(
        "breaking.access_narrowed",
        "A public model became protected or private. As a public model removed, it is lost to "
        "every other project that refs it (dbt mesh); its own project's models may still read "
        "a protected one. Its impact names other projects, which the build cannot list.",
        "Other projects' refs to it fail to compile at their next parse, in jobs and repositories "
        "nobody reviewing this pull request sees.",
        "orders_summary v2: access narrowed public -> protected; refs from other projects will "
        "fail",
    ),
    _doc(
        "breaking.relation_renamed",
        "A model's, seed's or snapshot's `alias`, `schema` or `database` (a snapshot's "
        "`target_schema` or `target_database`), as configured, changed while an exposure reads "
        "it or it is public. Its impact lists those readers; the models "
        "that ref() it follow the new name and are named as not affected, as is the semantic "
        "layer (it reads the manifest).",
        "dbt builds the relation under its new name and never drops the old one, so the "
        "dashboard behind the exposure, or another project, goes on querying the old relation "
        "and reads data that no longer changes, without an error to tell anyone.",
        "dim_customers: relation renamed (alias (default) -> customers): dbt builds it under the "
        "new name and leaves the old relation in place, no longer updated, and the readers that "
        "query it read stale data",
    ),
    _doc(
        "breaking.model_removed",
        "A contracted model (or an uncontracted public one, or one an exposure read in the "
        "base build) exists in the base build and is deleted, renamed or disabled in the pull "
        "request, before its deprecation_date. The base build's exposures count: for dbt to "
        "parse, the pull request had to cut the ref out of the exposure or delete its YAML, and "
        "neither changes the dashboard behind it, which queries the relation (a dashboard "
        "retired with the model is acknowledged, e.g. with the label). Its impact lists who "
        "is hurt: those exposures and other projects; the models that read it in the base "
        "build no longer do (the pull request changed them) and are named as not affected. "
        "Its entry is gone from the pull request's YAML: it is placed on the line that "
        "disables it, else on the entry of the first exposure it hurts that the pull request "
        "keeps, else on its model's entry where other versions remain, else its file alone.",
        "Every ref to it fails to compile, in this project and in projects that ref it "
        "through `access: public`; dbt leaves its old relation in place, no longer updated, so "
        "dashboards and queries outside dbt read stale data without an error.",
        "orders_summary v1: contracted model deleted or renamed",
    ),
    _doc(
        "breaking.semantic_removed",
        "A metric, a saved query or a semantic model of the base build is gone from the pull "
        "request, or a semantic model lost a dimension, a measure or an entity (by name; an "
        "entity renamed is one removed and one added), and something in either build read it: "
        "a metric built on it (derived, ratio, cumulative, or on the removed measure or "
        "semantic model), a saved query or a metric filter that names it (`Dimension("
        "'order__status')`, `Entity('customer')`), a saved query listing the metric, or an "
        "exposure depending on any of those; of those, the exposures (whose dashboards do not "
        "go with their YAML) and the metrics and saved queries the pull request keeps. dbt "
        "refuses a build that still names what it lacks, so the pull request changed those "
        "readers: the finding lists them (with the exposures' owners) as its impact. A reader "
        "removed along with it has a change of its own and does not count here, and an "
        "entity another semantic model still declares (a foreign key) still answers its "
        "name. A semantic model removed whole is read through its elements too. A measure "
        "the pull request's simple metrics aggregate themselves (dbt 1.12's metric spec: the "
        "same semantic model, `agg` and column, in each metric that read it) moved, and is "
        "not removed. An element removed is placed on its semantic model's entry where it "
        "remains; a metric, saved query or semantic model removed whole, whose entry is gone, "
        "on the entry of its nearest reader the pull request keeps (the saved query or "
        "exposure it had to change), in that reader's file.",
        "The project builds, and dbt's checks pass; but what read it was published: a "
        "dashboard behind an exposure keeps querying the metric after its YAML is deleted, a "
        "saved query's export table loses a column, and the semantic layer's users query it "
        "by name.",
        "metric revenue removed: queries of the semantic layer that name it fail; affects 1 "
        "saved query (revenue_by_status) and 1 exposure (revenue_dashboard); readers' owners: "
        "Finance",
    ),
]

_RISKY = [
    _doc(
        "risky.type_widened",
        "A column's type now holds more values than before (integer -> bigint, real -> double, "
        "integer -> a decimal with room for all its digits, decimal(18,2)).",
        "Nothing breaks by itself, but readers that cast, union or compare the column may need "
        "to follow.",
        "orders: order_id type widened (INTEGER -> BIGINT)",
    ),
    _doc(
        "risky.type_changed",
        "A column's base type changed on a model nothing in the project reads (no child model, "
        "no exposure, no semantic model, not public), or whose readers in the project provably "
        "do not name the column (their compiled SQL, a semantic model's dimensions, entities "
        "and measures), or on a snapshot: `dbt snapshot` never rebuilds its table, which "
        "keeps the old type for its readers (a strategy changed retypes dbt_valid_from too).",
        "Queries outside dbt (dashboards, notebooks, exports) may still read it. A snapshot "
        "casts its new values to the old type, and its run fails on one that does not cast; "
        "only a snapshot built afresh (a new environment) has the new type.",
        "finance_revenue: revenue type changed (DECIMAL(38,2) -> DOUBLE)",
    ),
    _doc(
        "risky.type_narrowed",
        "A column's type narrowed on a model nothing in the project reads, or whose readers in "
        "the project provably do not name the column, or on a snapshot (its table keeps the "
        "old type).",
        "Values that fit before may not fit now: the build can fail or truncate.",
        "daily_totals: amount type narrowed (BIGINT -> INTEGER)",
    ),
    _doc(
        "risky.type_precision_changed",
        "A column kept its base type but its size, precision or scale shrank or moved "
        "(varchar(50) -> varchar(20), decimal(18,4) -> decimal(18,2)). dbt-core does not treat "
        "this as a contract change.",
        "Values that fit the old size may be cut or rejected by the warehouse.",
        "orders: status size/precision reduced (varchar(50) -> varchar(20))",
    ),
    _doc(
        "risky.column_removed",
        "A column was removed from a model nothing in the project reads, or whose readers in "
        "the project provably no longer name it (their compiled SQL, a semantic model's "
        "dimensions, entities and measures: the usual pull request updates them in the same "
        "commit), or only its YAML declaration is gone and no catalog or readable SQL confirms "
        "it is still built. An exposure, `access: public` or a reader whose SQL is not on disk "
        "keeps the removal breaking.",
        "Queries outside dbt may still select it; unconfirmed removals may be real. A "
        "snapshot's table keeps the column (dbt snapshot never drops one), NULL in new rows.",
        "scratch_orders: column note removed; nothing in the project reads it",
    ),
    _doc(
        "risky.column_renamed",
        "A column was renamed (removed, and one of the same type added at its position) on a "
        "model nothing in the project reads, or whose readers in the project provably no longer "
        "name the old one (updated in the same pull request).",
        "Queries outside dbt that use the old name fail.",
        "scratch_orders: column amt renamed to amount; nothing in the project reads it",
    ),
    _doc(
        "risky.constraint_loosened",
        "A constraint the adapter does not enforce was removed, or a not_null, unique, "
        "accepted_values or relationships data test was removed from the model or a column.",
        "These tests are constraints by another name: without them, nulls, duplicates or "
        "orphan keys reach readers unnoticed.",
        "fct_orders: not_null test removed from column order_id",
    ),
    _doc(
        "risky.access_narrowed",
        "A model's access went down from protected to private: models outside its group lose "
        "it (public -> protected is `breaking.access_narrowed`).",
        "Refs from outside the new boundary fail to compile.",
        "access: protected  # was public",
    ),
    _doc(
        "risky.grant_revoked",
        "A model, seed or snapshot no longer grants a privilege it granted in the base build "
        "(its `grants` config, as dbt resolved it: a folder's `+grants` merged in). Grants that "
        "differ while the config as written does not (dbt's unrendered config: a role list per "
        "target, an env var) differ by environment, not by the pull request, and are no change.",
        "dbt applies grants after every build and revokes those the config no longer lists: "
        "the role loses access at the next run, and the dashboards, notebooks and services "
        "that query the relation as that role fail with a permission error. Nothing in the "
        "dbt project reads through grants, so no test or build step notices. With no grant "
        "left in the config dbt revokes nothing: a table or view it rebuilds may come without "
        "the old grants, an incremental model keeps them; dbt-duckdb applies no grants at all "
        "(the message says so for either).",
        "fct_orders: grant revoked: select from reporter",
    ),
    _doc(
        "risky.latest_version_changed",
        "A versioned model's `latest_version` moved (1 -> 2, or back), also when the old "
        "latest version is removed in the same pull request (reported beside its removal, "
        "which says nothing of the refs that move). Said once, on the old latest version.",
        "`ref('orders')` without a version resolves to the latest version: every such reader, "
        "and every other project when the model is public, reads the other version from the "
        "next build on, with whatever columns it dropped or retyped. dbt says nothing of it.",
        "models:\n  - name: orders\n    latest_version: 2  # was 1",
    ),
    _doc(
        "risky.version_without_deprecation",
        "A new version of a model was added while an older version that stays has no "
        "deprecation_date.",
        "Consumers pinned to the old version get no warning that they should move, so the old "
        "version never goes away.",
        "versions:\n  - v: 3\n  - v: 2   # no deprecation_date",
    ),
    _doc(
        "risky.relation_renamed",
        "A model's, seed's or snapshot's `alias`, `schema` or `database` (a snapshot's "
        "`target_schema` or `target_database`), as configured, changed, and no exposure reads "
        "it and it is not public. (What `generate_schema_name` makes of them in each "
        "environment is no change: a CI build's schema against production's.)",
        "dbt builds the relation under its new name and never drops the old one: models that "
        "ref() it follow, but a tool outside dbt that queries the old name reads data that no "
        "longer changes, without an error. A snapshot moved starts an empty table: the history "
        "it recorded stays in the old one.",
        "dim_customers: relation renamed (alias (default) -> customers): dbt builds it under the "
        "new name and leaves the old relation in place, no longer updated; tools outside dbt "
        "that query the old name read stale data",
    ),
    _doc(
        "risky.materialization_changed",
        "A model that no exposure reads and that is not public was made ephemeral. (One they "
        "query is `breaking.materialization_changed`.)",
        "dbt inlines an ephemeral model into the models that ref() it, which keep working; but "
        "it builds no relation any more and never drops the old one, so a tool outside dbt "
        "that queries it reads data that no longer changes, as after the model's removal.",
        "dim_products: materialized table -> ephemeral: no relation is built any more, and the "
        "old one is left in place, stale; tools outside dbt that query it read stale data",
    ),
    _doc(
        "risky.history_config_changed",
        "A snapshot's `strategy` or `unique_key`, or an incremental model's `unique_key` or "
        "`incremental_strategy`, changed (the snapshot's `check_cols` and `updated_at` are in "
        "its SQL change). A strategy written out as the one the adapter ran by default "
        "(dbt-duckdb's delete+insert, dbt-snowflake's merge) is no change.",
        "Such a table keeps its rows across runs: they were written under the old setting, and "
        "the next run compares, merges or versions new rows by the new one. A snapshot moved "
        "from `timestamp` to `check` records a new version of rows whose checked columns "
        "differ; a key changed matches rows it never wrote, and duplicates or misses them.",
        "orders_snapshot: snapshot's strategy timestamp -> check: the rows already in its table "
        "were written under the old setting",
    ),
    _doc(
        "risky.incremental_schema_change",
        "An incremental model (in both builds, without `full_refresh: true`) gained, lost or "
        "retyped a column in a way its `on_schema_change` does not carry to the existing "
        "table: with `ignore` (the default) a removed column, an added one or a type; with "
        "`fail` any of them; with `append_new_columns` a removed column or a type. "
        "`sync_all_columns` follows every change and is never reported.",
        "The pull request's build makes the table afresh, so it passes; production's next run "
        "is incremental, on the table earlier runs wrote, and dbt reconciles the two as "
        "`on_schema_change` says: `ignore` inserts the table's own columns, so a column the "
        "model no longer selects fails the run and an added one is left out (its readers "
        "fail); `fail` stops on any difference; `append_new_columns` keeps a dropped column, "
        "NULL in new rows. A full refresh rebuilds the table from the model's inputs: history "
        "they no longer hold is lost, so decide it before the merge.",
        "fct_orders: incremental model (on_schema_change: ignore): its next incremental run "
        "fails: the table keeps discount, which the model no longer selects",
    ),
    _doc(
        "risky.semantic_removed",
        "A metric, a saved query or a semantic model of the base build is gone from the pull "
        "request, or a semantic model lost a dimension, a measure or an entity (by name), and "
        "no exposure, nor a metric or saved query the pull request keeps, read it in either "
        "build; one that such a reader read is `breaking.semantic_removed`. An element removed "
        "is placed on its semantic model's entry; a resource removed whole has its file "
        "alone: its entry is gone from the pull request's YAML, no reader is left to point at, "
        "and its line in the base's file is another entry's in the pull request's.",
        "The project builds as before, so nothing else in dbt says so; but the semantic layer "
        "is queried by name, from BI tools and notebooks outside the project, and a query that "
        "names what was removed fails.",
        "semantic model orders: dimension status removed: queries of the semantic layer that "
        "name it fail",
    ),
    _doc(
        "risky.model_removed",
        "A model, seed or snapshot without a contract, not public and read by no exposure "
        "was deleted, renamed or disabled. It is placed on the line that disables it, else on "
        "its model's entry where other versions remain, else its file alone (its entry is "
        "gone from the pull request's YAML).",
        "dbt refs would have failed to compile, so nothing in the project reads it. dbt "
        "drops no relation: the old table or view stays in the warehouse, no longer updated, "
        "and tools outside dbt that query it read stale data without an error. A snapshot's "
        "table holds history no build can make again, and a snapshot renamed starts empty.",
        "stg_legacy_orders: model deleted or renamed: dbt leaves its old relation in place, no "
        "longer updated; tools outside dbt that query it read stale data",
    ),
    _doc(
        "risky.source_removed",
        "A source table declared in the base build is no longer declared. It is placed on "
        "its source's entry where the source keeps other tables, else its file alone.",
        "Models that still read it fail to compile; the source's freshness is no longer checked.",
        "source shop_raw.raw_refunds removed",
    ),
    _doc(
        "risky.filter_changed",
        "The compiled SQL's WHERE, HAVING or QUALIFY changed (in any SELECT of the query), "
        "compared with sqlglot, table names without their environment-dependent schema.",
        "The model returns other rows with the same columns: readers' totals move without any "
        "schema change to warn them.",
        "int_order_payments: filters changed (WHERE/HAVING/QUALIFY): it may return other rows",
    ),
    _doc(
        "risky.grain_changed",
        "The compiled SQL's GROUP BY, DISTINCT or joins changed.",
        "One row may now mean something else (per order line instead of per order): readers "
        "who join on the key get duplicates or lose rows.",
        "fct_orders: grain changed (GROUP BY/DISTINCT/joins): one row may mean something else",
    ),
]

_SAFE = [
    _doc(
        "safe.model_added",
        "A model, seed or snapshot that the base build did not have.",
        "Nothing reads it yet.",
        "customer_segments: new model",
    ),
    _doc(
        "safe.version_added",
        "A new version of a model, with every older version given a deprecation_date, or "
        "in place of every older version, removed in the same pull request (each removal is "
        "reported on its own).",
        "The migration path dbt recommends: old consumers keep working and are told to move.",
        "orders_summary v3 added; older versions are deprecated",
    ),
    _doc(
        "safe.column_added",
        "A column that the base build did not have.",
        "Existing queries keep working (unless one uses `select *` into a fixed-width target).",
        "customer_ltv: column avg_order_value added",
    ),
    _doc(
        "safe.column_undeclared",
        "A column is no longer declared in YAML, but the catalog or the compiled SQL shows the "
        "model still builds it.",
        "The data did not change, only the documentation of it.",
        "orders: column note is no longer declared in YAML; the catalog shows it is still built",
    ),
    _doc(
        "safe.type_size_widened",
        "A column kept its base type and its size or precision grew (varchar(20) -> varchar(50)).",
        "Every old value still fits.",
        "orders: status size grown (varchar(20) -> varchar(50))",
    ),
    _doc(
        "safe.contract_added",
        "A model now enforces a contract it did not have.",
        "A stronger promise to readers; from now on, removing a column is breaking.",
        "config:\n  contract: {enforced: true}",
    ),
    _doc(
        "safe.constraint_added",
        "A constraint was added to the model or one of its columns.",
        "A stronger guarantee (the build fails if the data breaks it).",
        "constraints:\n  - type: not_null",
    ),
    _doc(
        "safe.access_widened",
        "A model's access went up (private -> protected -> public).",
        "More projects or groups may ref it; a public model's breaking changes then matter "
        "outside this project.",
        "access: public  # was protected",
    ),
    _doc(
        "safe.grant_added",
        "A model, seed or snapshot grants a privilege it did not grant in the base build.",
        "More roles may read the relation; `governance.allowed_grantees` keeps the grantees to "
        "the roles the team reviews.",
        "fct_orders: grant added: select to analyst",
    ),
    _doc(
        "safe.deprecation_set",
        "A model's deprecation_date was set or moved.",
        "It tells consumers when the model goes away; after that date removing it is not breaking.",
        "deprecation_date: 2026-06-30",
    ),
    _doc(
        "safe.deprecated_model_removed",
        "A contracted model was removed after its deprecation_date had passed.",
        "Consumers were told; dbt-core accepts the removal too.",
        "orders_summary v1: contracted model deleted or renamed after its deprecation_date",
    ),
    _doc(
        "safe.description_changed",
        "The description of the model or of some of its columns changed: the message says "
        "`removed` when each is gone now and `added` when each was empty before.",
        "Docs only: the data did not change. Docs removed are for the docs policies to block "
        "(`docs.model_description`, `docs.column_coverage`).",
        "stg_payments: the model's description changed",
    ),
    _doc(
        "safe.tests_changed",
        "Data or unit tests were added, or tests other than not_null/unique/accepted_values/"
        "relationships removed (removing those is risky.constraint_loosened).",
        "Tests check the data; they do not change it.",
        "customer_ltv: 1 test added (not_null on avg_order_value)",
    ),
    _doc(
        "safe.meta_changed",
        "meta, tags or the group of a resource changed, or its owner did by them: the message "
        "says which meta keys changed, the group it was put in, taken out of or moved between "
        "(`moved from group finance to group revenue`), and the owner before and after. An "
        "owner moved only by its group's new owner is said once, on the group "
        "(safe.group_owner_changed).",
        "Metadata only; an owner or tier moved by it shows in the policy findings, and who "
        "owns the model now is whom a release hands it to.",
        "int_order_payments: meta (owner) changed; owner @finance-eng -> @payments-eng",
    ),
    _doc(
        "safe.group_owner_changed",
        "A group's owner changed: its name (or, without one, its email), or only its email "
        "(`group finance: owner email a@x -> b@x (owner Finance Analytics; ...)`). Said once a "
        "group, with the models and other resources owned through it that the new owner "
        "takes over (a resource whose own meta owner comes first in `owner.from` stays where "
        "it was); their rows do not say it again. `details`: owner and new_owner (as models "
        "are owned through it: the name, else the email), email and new_email, resources.",
        "No model's record changes, yet every model owned through the group changes hands: "
        "whom a release hands them to, and who is asked about their findings from now on. A "
        "new email alone moves no owner, but it is where the team is reached: the alerts and "
        "questions about those models go there now.",
        "group finance: owner Finance Analytics -> Revenue Ops (3 models: finance_revenue, "
        "orders_summary v1, orders_summary v2)",
    ),
    _doc(
        "safe.group_added",
        "A group the pull request declares and the base build did not, with its owner and the "
        "models (seeds, snapshots) the pull request puts in it (`details.resources`). Only the "
        "project's own groups are listed, not those of the packages it installs.",
        "The models put in it are owned through it from now on (where `owner.from` lists "
        "`group`), and those of them with `access: private` may be read only by models in the "
        "same group. Each of them also has a row of its own (safe.meta_changed) with the group "
        "it came from and its new owner.",
        "group revenue added (owner Revenue Ops; 3 models: finance_revenue, orders_summary v1, "
        "orders_summary v2)",
    ),
    _doc(
        "safe.group_removed",
        "A group the base build declared and the pull request no longer does, with its owner "
        "and the models (seeds, snapshots) that were in it (`details.resources`). dbt refuses "
        "to parse a model that names a group it does not declare, so the pull request has "
        "moved each of them to another group or out of any: each has a row of its own "
        "(safe.meta_changed) saying which, and who owns it now.",
        "No query reads a group, and dbt itself refuses a build in which a ref to a private "
        "model crosses groups, so nothing that builds breaks. But the models it held change "
        "hands: a model now in no group is owned only through its own `meta` (owner.present, "
        "where a policy applies it, reports one left with no owner at all).",
        "group finance removed (owner Finance Analytics; 3 models were in it: "
        "finance_revenue, orders_summary v1, orders_summary v2)",
        "Nothing to fix when the models went where they should: their rows name each one's "
        "owner now. A model that should stay owned goes into another group, or gets its own "
        "`meta.owner`.",
    ),
    _doc(
        "safe.materialization_changed",
        "The materialization changed where no contract constraint depends on it (view -> "
        "table, table -> incremental), or a model only other models read became ephemeral.",
        "Readers query the same relation name and columns.",
        "config:\n  materialized: table  # was view",
    ),
    _doc(
        "safe.code_changed",
        "The SQL (a Python model's code, a seed's data) changed, between builds of the same "
        "dbt minor version (checksums differ across versions, so they are not compared then); "
        "its columns, filters and grain did not change, or its compiled SQL was not on disk to "
        "compare (one note says which build lacks it: a base downloaded as manifest.json "
        "alone has no `compiled/` folder). A "
        "change of layout, comments or config only (a formatter's run, a `config()` call or "
        "a snapshot's `check_cols` edited) says so: the compiled queries read the same once "
        "comments, whitespace and the case of keywords are set aside.",
        "Listed so the reviewer sees every model the PR touches.",
        "customer_ltv: SQL changed; filters and grain did not",
    ),
    _doc(
        "safe.source_added",
        "A source table that the base build did not declare.",
        "Nothing reads it yet.",
        "source shop_raw.raw_refunds: new source table",
    ),
    _doc(
        "safe.exposure_added",
        "An exposure (dashboard, notebook, application) that the base build did not have.",
        "It records a consumer; the models it depends on now have one more reader.",
        "exposure revenue_dashboard added",
    ),
    _doc(
        "safe.exposure_removed",
        "An exposure of the base build is gone.",
        "The models it read lose a recorded reader; their data does not change.",
        "exposure revenue_dashboard removed",
    ),
    _doc(
        "safe.semantic_added",
        "A metric, a saved query or a semantic model the base build did not have, or a "
        "semantic model's new dimension, measure or entity; placed on its YAML line.",
        "Nothing queries it yet.",
        "semantic model orders: dimension status added",
    ),
]

document(*_BREAKING, *_RISKY, *_SAFE)
